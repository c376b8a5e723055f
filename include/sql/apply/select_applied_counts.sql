-- What the apply changed, from the temp tables apply_plan made.
SELECT entity,
       count(*) FILTER (WHERE op IN ('create', 'reactivate')),
       count(*) FILTER (WHERE op = 'update'),
       count(*) FILTER (WHERE op = 'remove')
FROM (
    SELECT 'accounts' AS entity, op FROM apply_accounts
    UNION ALL SELECT 'classes', op FROM apply_classes
    UNION ALL SELECT 'memberships', op FROM apply_memberships
)
GROUP BY entity;
