-- Changes per school, entity and kind, for the gate body and the summary.
SELECT school_id, entity,
       count(*) FILTER (WHERE op IN ('create', 'reactivate')) AS "create",
       count(*) FILTER (WHERE op = 'update') AS "update",
       count(*) FILTER (WHERE op = 'remove') AS "remove"
FROM (
    SELECT 'accounts' AS entity, op, school_id FROM plan_accounts WHERE run_id = $run_id
    UNION ALL SELECT 'classes', op, school_id FROM plan_classes WHERE run_id = $run_id
    UNION ALL SELECT 'memberships', op, school_id FROM plan_memberships WHERE run_id = $run_id
)
GROUP BY ALL
ORDER BY school_id, entity;
