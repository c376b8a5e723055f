-- One row per run: the gate's opening and answer first (if there was a gate), then the apply's outcome.
DELETE FROM sync_runs WHERE run_id = $run_id;
INSERT INTO sync_runs (run_id, logical_date, landing_sha256, status, roster_version_before, gate_answer,
                       approved_by, approved_at, counts, applied_at, gate_plan_id, gate_opened_at, gate_link)
VALUES ($run_id, $logical_date, $landing_sha256, $status, $roster_version_before, $gate_answer, $approved_by,
        $approved_at, $counts, $applied_at, $gate_plan_id, $gate_opened_at, $gate_link);
