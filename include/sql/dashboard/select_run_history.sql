-- The district's runs, newest first: every run that was planned or reached the gate or the apply.
SELECT run_id, coalesce(r.status, 'planned') AS status, r.gate_answer, r.approved_by, r.approved_at,
       r.applied_at, r.counts, p.computed_at, p.data_date, p.upload_age_days
FROM plan_runs p
FULL OUTER JOIN sync_runs r USING (run_id)
ORDER BY coalesce(p.computed_at, r.gate_opened_at, r.applied_at) DESC NULLS LAST, run_id DESC
LIMIT $limit;
