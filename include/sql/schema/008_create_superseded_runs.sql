-- Runs whose plan an apply of another run removed before they applied: applying them is refused with
-- the run that superseded them, not with a puzzling "no plan".
CREATE TABLE IF NOT EXISTS superseded_runs (run_id VARCHAR, by_run VARCHAR, superseded_at TIMESTAMP);
