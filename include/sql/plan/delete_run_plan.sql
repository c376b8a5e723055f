-- A plan is recomputed whole for a run: drop what an earlier attempt of the same run left.
DELETE FROM plan_runs WHERE run_id = $run_id;
DELETE FROM plan_school_map WHERE run_id = $run_id;
DELETE FROM plan_schools WHERE run_id = $run_id;
DELETE FROM plan_accounts WHERE run_id = $run_id;
DELETE FROM plan_classes WHERE run_id = $run_id;
DELETE FROM plan_memberships WHERE run_id = $run_id;
DELETE FROM plan_holds WHERE run_id = $run_id;
-- A run planned again after its apply (other settings, say): no plan is incremental on it.
DELETE FROM roster_marks WHERE run_id = $run_id;
