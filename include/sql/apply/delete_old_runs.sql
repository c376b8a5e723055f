-- After an apply, only this run's snapshot and plan are kept: the next delta package applies to this
-- snapshot, and the change log (not the plans) is what an undo or an audit reads. Without this the
-- district's file grows by a whole snapshot every night. A run planned but not applied is recorded as
-- superseded by this one: applying it later is refused with a clear reason.
INSERT INTO superseded_runs
SELECT p.run_id, $run_id, now()::TIMESTAMP FROM plan_runs p
WHERE p.run_id <> $run_id
  AND NOT EXISTS (SELECT 1 FROM sync_runs r WHERE r.run_id = p.run_id AND r.applied_at IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM superseded_runs s WHERE s.run_id = p.run_id);

DELETE FROM snap_schools WHERE run_id <> $run_id;
DELETE FROM snap_people WHERE run_id <> $run_id;
DELETE FROM snap_school_people WHERE run_id <> $run_id;
DELETE FROM snap_classes WHERE run_id <> $run_id;
DELETE FROM snap_memberships WHERE run_id <> $run_id;
DELETE FROM snap_guardianships WHERE run_id <> $run_id;
DELETE FROM snap_rejects WHERE run_id <> $run_id;
DELETE FROM snap_runs WHERE run_id <> $run_id;
DELETE FROM record_issues WHERE run_id <> $run_id;
DELETE FROM plan_school_map WHERE run_id <> $run_id;
DELETE FROM plan_schools WHERE run_id <> $run_id;
DELETE FROM plan_accounts WHERE run_id <> $run_id;
DELETE FROM plan_classes WHERE run_id <> $run_id;
DELETE FROM plan_memberships WHERE run_id <> $run_id;
DELETE FROM plan_holds WHERE run_id <> $run_id;
DELETE FROM plan_runs WHERE run_id <> $run_id;
