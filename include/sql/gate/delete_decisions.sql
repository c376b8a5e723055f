DELETE FROM gate_decisions WHERE run_id = $run_id;
