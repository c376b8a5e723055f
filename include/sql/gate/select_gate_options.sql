SELECT option, school_id FROM gate_options WHERE run_id = $run_id ORDER BY rowid;
