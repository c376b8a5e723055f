DELETE FROM record_issues WHERE run_id = $run_id;
