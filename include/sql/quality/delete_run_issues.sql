DELETE FROM record_issues WHERE run_id = $run_id;
-- Record issues found again after the run's apply: no plan is incremental on it.
DELETE FROM roster_marks WHERE run_id = $run_id;
