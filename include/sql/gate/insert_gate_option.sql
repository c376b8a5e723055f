INSERT INTO gate_options VALUES ($run_id, $option, $school_id);
