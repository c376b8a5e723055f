-- The gate of a run opens afresh: its options and any earlier decisions go.
DELETE FROM gate_options WHERE run_id = $run_id;
DELETE FROM gate_decisions WHERE run_id = $run_id;
