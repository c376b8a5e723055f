SELECT school_id, released, reason, decided_by, decided_at FROM gate_decisions WHERE run_id = $run_id
ORDER BY school_id;
