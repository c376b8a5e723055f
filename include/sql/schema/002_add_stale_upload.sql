-- Stale uploads (over 90 days old): the plan keeps creates and updates but makes no removals.
ALTER TABLE plan_runs ADD COLUMN IF NOT EXISTS removals_suppressed BOOLEAN DEFAULT false;
ALTER TABLE plan_runs ADD COLUMN IF NOT EXISTS upload_age_days DOUBLE;
