-- The run an incremental plan was computed on (NULL: a full plan); the roster's membership fingerprint
-- as the last applied run's apply left it (a plan is incremental only on a roster nothing else has
-- changed since: plan/select_increment_base); the changes of that run's plan its apply did not make.
ALTER TABLE plan_runs ADD COLUMN IF NOT EXISTS base_run VARCHAR;
CREATE TABLE IF NOT EXISTS roster_marks (run_id VARCHAR, fingerprint VARCHAR, plan_id VARCHAR, plan_logic VARCHAR);
CREATE TABLE IF NOT EXISTS plan_unapplied (run_id VARCHAR, entity VARCHAR, key VARCHAR, other_key VARCHAR);
