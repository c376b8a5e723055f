SELECT run_id, logical_date, landing_sha256, status, roster_version_before, gate_answer, approved_by,
       approved_at, counts, applied_at, gate_plan_id, gate_opened_at, gate_link
FROM sync_runs WHERE run_id = $run_id;
