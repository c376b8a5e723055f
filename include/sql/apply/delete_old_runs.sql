-- After an apply, only this run's snapshot and plan are kept: the next delta package applies to this
-- snapshot, and the change log (not the plans) is what an undo or an audit reads. Without this the
-- district's file grows by a whole snapshot every night.
DELETE FROM snap_schools WHERE run_id <> $run_id;
DELETE FROM snap_people WHERE run_id <> $run_id;
DELETE FROM snap_school_people WHERE run_id <> $run_id;
DELETE FROM snap_classes WHERE run_id <> $run_id;
DELETE FROM snap_memberships WHERE run_id <> $run_id;
DELETE FROM snap_guardianships WHERE run_id <> $run_id;
DELETE FROM snap_rejects WHERE run_id <> $run_id;
DELETE FROM record_issues WHERE run_id <> $run_id;
DELETE FROM plan_school_map WHERE run_id <> $run_id;
DELETE FROM plan_schools WHERE run_id <> $run_id;
DELETE FROM plan_accounts WHERE run_id <> $run_id;
DELETE FROM plan_classes WHERE run_id <> $run_id;
DELETE FROM plan_memberships WHERE run_id <> $run_id;
DELETE FROM plan_holds WHERE run_id <> $run_id;
DELETE FROM plan_runs WHERE run_id <> $run_id;
