INSERT INTO gate_decisions VALUES ($run_id, $school_id, $released, $reason, $decided_by, $decided_at);
