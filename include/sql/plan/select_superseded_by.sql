SELECT by_run FROM superseded_runs WHERE run_id = $run_id ORDER BY superseded_at DESC LIMIT 1;
