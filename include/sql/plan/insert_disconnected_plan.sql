-- Clever refused the district token: nothing changes, and every school the roster has is held as
-- Disconnected (the district itself when it has no school yet).
INSERT INTO plan_runs (run_id, roster_version, is_initial, computed_at, removals_suppressed, upload_age_days, plan_id)
SELECT $run_id, $roster_version, NOT EXISTS (SELECT 1 FROM sync_runs WHERE status = 'applied'), now()::TIMESTAMP,
       false, NULL, $plan_id;

INSERT INTO plan_school_map SELECT $run_id, school_id, school_id, true, true FROM schools;

INSERT INTO plan_holds
SELECT $run_id, school_id, 'disconnected', 'Clever refused the district token: reconnect the district in Clever'
FROM schools
UNION ALL
SELECT $run_id, '(district)', 'disconnected', 'Clever refused the district token: reconnect the district in Clever'
WHERE NOT EXISTS (SELECT 1 FROM schools);
