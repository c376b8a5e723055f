-- Whether a run's snapshot is kept: its run row (every run normalized since schema/009 has one) or,
-- for a run normalized before that, its people. An apply of a later run deletes both
-- (apply/delete_old_runs), so does a rerun's normalize before it writes again.
SELECT 1 FROM snap_runs WHERE run_id = $run_id
UNION ALL
SELECT 1 FROM (SELECT 1 FROM snap_people WHERE run_id = $run_id LIMIT 1)
LIMIT 1;
