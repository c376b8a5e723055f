SELECT run_id FROM sync_runs WHERE applied_at IS NOT NULL AND status IN ('applied', 'rejected')
ORDER BY applied_at DESC LIMIT 1;
