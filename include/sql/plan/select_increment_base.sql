-- The base an incremental plan may be computed on: the last applied run, when its snapshot and plan are
-- kept, its plan removed what it had to (not a stale upload), it mapped the same schools as this run
-- (prepare_plan's run_school_map), and the roster's fingerprint is still the one its apply
-- left ($fingerprint, roster/select_roster_fingerprint), with the plan it applied (a snapshot, record
-- issues or plan made again for it drop its mark) and the same plan SQL ($plan_logic). No row: the plan is
-- computed in full.
-- plan.py also compares the district's settings with the base plan's.
WITH last AS (SELECT run_id FROM sync_runs WHERE status = 'applied' ORDER BY applied_at DESC LIMIT 1)
SELECT p.run_id, p.settings
FROM last l
JOIN plan_runs p USING (run_id)
JOIN roster_marks k USING (run_id)
WHERE p.run_id <> $run_id
  AND NOT coalesce(p.removals_suppressed, false)
  AND k.fingerprint = $fingerprint AND k.plan_id = p.plan_id AND k.plan_logic = $plan_logic
  AND EXISTS (SELECT 1 FROM snap_runs s WHERE s.run_id = p.run_id)
  AND NOT EXISTS (
      (SELECT school_sid, school_id, selected, mapped FROM plan_school_map WHERE run_id = p.run_id
       EXCEPT SELECT school_sid, school_id, selected, mapped FROM run_school_map)
      UNION ALL
      (SELECT school_sid, school_id, selected, mapped FROM run_school_map
       EXCEPT SELECT school_sid, school_id, selected, mapped FROM plan_school_map WHERE run_id = p.run_id));
