-- Changes per entity and kind; a reactivation counts as a create (the record comes back).
SELECT entity,
       count(*) FILTER (WHERE op IN ('create', 'reactivate')) AS "create",
       count(*) FILTER (WHERE op = 'update') AS "update",
       count(*) FILTER (WHERE op = 'remove') AS "remove"
FROM (
    SELECT 'accounts' AS entity, op FROM plan_accounts WHERE run_id = $run_id
    UNION ALL SELECT 'classes', op FROM plan_classes WHERE run_id = $run_id
    UNION ALL SELECT 'memberships', op FROM plan_memberships WHERE run_id = $run_id
)
GROUP BY entity;
