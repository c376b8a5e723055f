DELETE FROM admin_emails WHERE run_id = $run_id AND purpose = $purpose;
INSERT INTO admin_emails VALUES ($run_id, $purpose, $status, $recorded_at);
