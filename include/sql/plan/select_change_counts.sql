-- Changes per entity and kind; a reactivation counts as a create (the record comes back).
SELECT entity,
       count(*) FILTER (WHERE op IN ('create', 'reactivate')) AS "create",
       count(*) FILTER (WHERE op = 'update') AS "update",
       count(*) FILTER (WHERE op = 'remove') AS "remove"
FROM plan_changes WHERE run_id = $run_id
GROUP BY entity;
