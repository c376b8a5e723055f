SELECT code, severity, count(*) FROM record_issues WHERE run_id = $run_id GROUP BY ALL ORDER BY code;
