-- Changes per school, entity and kind, for the gate body and the summary.
SELECT school_id, entity,
       count(*) FILTER (WHERE op IN ('create', 'reactivate')) AS "create",
       count(*) FILTER (WHERE op = 'update') AS "update",
       count(*) FILTER (WHERE op = 'remove') AS "remove"
FROM plan_changes WHERE run_id = $run_id
GROUP BY ALL
ORDER BY school_id, entity;
