-- Runs whose gate waits for an answer: opened after $since (older ones have timed out), not answered,
-- not applied. Oldest first.
SELECT run_id FROM sync_runs
WHERE gate_opened_at IS NOT NULL AND gate_opened_at > $since AND gate_answer IS NULL AND applied_at IS NULL
ORDER BY gate_opened_at;
