INSERT INTO upload_warnings VALUES ($upload_sha256, $age_days, $run_id, $warned_at);
