-- The roster's fingerprint (roster/select_roster_fingerprint) as this run's apply left it (computed
-- after or inside the apply's transaction), and the plan's changes it did not make (apply_plan's
-- unapplied_changes): the next run's plan may be incremental on this run while the roster still has
-- that fingerprint, the run still has the plan it applied, and the plan's SQL is the same ($plan_logic).
DELETE FROM roster_marks;
INSERT INTO roster_marks VALUES ($run_id, $fingerprint, (SELECT plan_id FROM plan_runs WHERE run_id = $run_id), $plan_logic);
DELETE FROM plan_unapplied;
INSERT INTO plan_unapplied SELECT $run_id, entity, key, other_key FROM unapplied_changes;
DROP TABLE unapplied_changes;
