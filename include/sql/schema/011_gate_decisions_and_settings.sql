-- Per-school answers at the gate: the options it offered (one per held school, besides Approve and
-- Reject), and each held school's decision with the approver's reason. When the gate opened, and its
-- link (reminders use it); the settings each run ran under.
CREATE TABLE IF NOT EXISTS gate_options (run_id VARCHAR, option VARCHAR, school_id VARCHAR);
CREATE TABLE IF NOT EXISTS gate_decisions (
    run_id VARCHAR, school_id VARCHAR, released BOOLEAN, reason VARCHAR, decided_by VARCHAR,
    decided_at TIMESTAMP);
ALTER TABLE plan_runs ADD COLUMN IF NOT EXISTS settings JSON;
