-- The server refused before accepting: the email was not sent, a retry sends it.
DELETE FROM admin_emails WHERE run_id = $run_id AND purpose = $purpose;
