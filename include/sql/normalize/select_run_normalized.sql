-- Whether the run's snapshot (and so its record issues) is still kept: an apply of a later run deletes
-- every other run's (apply/delete_old_runs).
SELECT 1 FROM snap_runs WHERE run_id = $run_id LIMIT 1;
