INSERT INTO snap_runs VALUES ($run_id, $data_date);
