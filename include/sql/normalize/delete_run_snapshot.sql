-- Reruns replace the run's snapshot rows, never append to them.
DELETE FROM snap_schools WHERE run_id = $run_id;
DELETE FROM snap_people WHERE run_id = $run_id;
DELETE FROM snap_school_people WHERE run_id = $run_id;
DELETE FROM snap_classes WHERE run_id = $run_id;
DELETE FROM snap_memberships WHERE run_id = $run_id;
DELETE FROM snap_guardianships WHERE run_id = $run_id;
DELETE FROM snap_rejects WHERE run_id = $run_id;
DELETE FROM snap_runs WHERE run_id = $run_id;
-- A run's snapshot made again after its apply is not what its plan was made of: no plan is incremental on it.
DELETE FROM roster_marks WHERE run_id = $run_id;
