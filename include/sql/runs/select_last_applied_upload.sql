SELECT run_id, landing_sha256 FROM sync_runs WHERE status = 'applied' ORDER BY applied_at DESC LIMIT 1;
