-- The schools whose plan rows apply: all synced schools when the gate released the run,
-- otherwise only those without a hold.
INSERT INTO released_schools
SELECT DISTINCT school_id FROM plan_school_map
WHERE run_id = $run_id AND selected AND mapped
  AND ($released OR school_id NOT IN (SELECT school_id FROM plan_holds WHERE run_id = $run_id));
