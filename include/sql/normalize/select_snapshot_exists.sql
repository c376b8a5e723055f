SELECT 1 FROM snap_people WHERE run_id = $run_id LIMIT 1;
