INSERT INTO account_notifications VALUES ($account_id, $kind, $run_id, $notified_at);
