-- The apply falls inside a blackout window ($reason) that the plan was made outside of: every school
-- with a change and no hold is held now (not released by the gate's answer, which did not see it; it is
-- offered at the next run).
INSERT INTO plan_holds
SELECT DISTINCT $run_id, school_id, 'blackout', $reason || ': nothing is applied without an approver (applied in the window)'
FROM (SELECT school_id FROM plan_changes WHERE run_id = $run_id
      UNION SELECT school_id FROM plan_schools WHERE run_id = $run_id)
WHERE school_id NOT IN (SELECT school_id FROM plan_holds WHERE run_id = $run_id);
