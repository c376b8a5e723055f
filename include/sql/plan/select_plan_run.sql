SELECT roster_version, is_initial, removals_suppressed, upload_age_days, plan_id, data_date, computed_at, base_run
FROM plan_runs WHERE run_id = $run_id;
