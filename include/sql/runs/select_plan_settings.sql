-- The district's controls as a run's plan recorded them (NULL: a plan from before they were recorded).
SELECT (SELECT settings FROM plan_runs WHERE run_id = $run_id);
