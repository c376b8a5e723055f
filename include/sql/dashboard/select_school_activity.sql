-- Per roster school: since when it is in its state, and the last applied run that changed its accounts
-- or classes (a run's rows carry it as created_run, updated_run or removed_run).
WITH touched AS (
    SELECT school_id, unnest([created_run, updated_run, removed_run]) AS run_id FROM accounts
    UNION ALL
    SELECT school_id, unnest([created_run, updated_run, removed_run]) FROM classes
)
SELECT s.school_id, s.since, arg_max(r.run_id, r.applied_at) AS last_changed_run
FROM school_state s
LEFT JOIN touched t ON t.school_id = s.school_id
LEFT JOIN sync_runs r ON r.run_id = t.run_id AND r.applied_at IS NOT NULL
GROUP BY s.school_id, s.since
ORDER BY s.school_id;
