-- The held schools the gate's answer released for a run.
SELECT school_id FROM gate_decisions WHERE run_id = $run_id AND released ORDER BY school_id;
