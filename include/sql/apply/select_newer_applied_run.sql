-- An applied run whose data is newer than this run's: a backfill must not undo it.
SELECT run_id, logical_date FROM sync_runs
WHERE status = 'applied' AND run_id <> $run_id AND $logical_date IS NOT NULL AND logical_date > $logical_date
ORDER BY logical_date DESC
LIMIT 1;
