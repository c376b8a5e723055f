SELECT status FROM admin_emails WHERE run_id = $run_id AND purpose = $purpose;
