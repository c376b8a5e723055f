-- Every run id the district's store knows (planned, answered or applied).
SELECT run_id FROM plan_runs
UNION
SELECT run_id FROM sync_runs;
