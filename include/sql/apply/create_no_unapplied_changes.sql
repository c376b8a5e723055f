-- apply_plan made every change of the plan (create_unapplied_changes's table, empty).
CREATE OR REPLACE TEMP TABLE unapplied_changes (entity VARCHAR, key VARCHAR, other_key VARCHAR);
