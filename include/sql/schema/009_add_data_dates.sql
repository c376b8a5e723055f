-- The data date of a run (its logical date, or the upload's date for a manual run): enrollments and
-- terms are current on it or not. OneRoster enrollments keep their begin and end dates, and classes
-- the end of their last term, so a delta's carried rows are judged again on the next run's date.
CREATE TABLE IF NOT EXISTS snap_runs (run_id VARCHAR, data_date DATE);
ALTER TABLE snap_memberships ADD COLUMN IF NOT EXISTS begin_date DATE;
ALTER TABLE snap_memberships ADD COLUMN IF NOT EXISTS end_date DATE;
ALTER TABLE snap_classes ADD COLUMN IF NOT EXISTS end_date DATE;
ALTER TABLE plan_runs ADD COLUMN IF NOT EXISTS data_date DATE;
