-- The schools whose plan rows apply: every synced school without a hold, and the held ones the gate's
-- answer released ($released, a list of roster school ids).
INSERT INTO released_schools
SELECT DISTINCT school_id FROM plan_school_map
WHERE run_id = $run_id AND selected AND mapped
  AND (school_id NOT IN (SELECT school_id FROM plan_holds WHERE run_id = $run_id)
       OR list_contains($released, school_id));
