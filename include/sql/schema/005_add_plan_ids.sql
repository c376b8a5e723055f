-- Each computed plan has an id; the gate's answer names the plan it was given for, and apply releases a
-- held school only with an answer for the very plan it applies.
ALTER TABLE plan_runs ADD COLUMN IF NOT EXISTS plan_id VARCHAR;
