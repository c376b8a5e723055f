-- Apply a run's frozen plan: the rows apply/prepare_apply chose (apply_schools, apply_accounts,
-- apply_classes, apply_memberships, changed_membership_ids). Runs inside the caller's transaction, first
-- (then change_rows_duckdb.sql or change_rows_postgres.sql, then create_rows.sql): the change log is
-- written from the roster as it was, and the schools.

-- A create's after image is the created row itself (created_run = this run): logging each one would
-- double the write of a first sync (17M rows at 1M students) for nothing an undo needs.
INSERT INTO change_log
SELECT $run_id, row_number() OVER (), entity, key, op, before, after FROM (
    SELECT 'school' AS entity, p.school_id AS key, p.op,
           CASE WHEN p.op = 'create' THEN NULL ELSE to_json(r) END AS before,
           CASE WHEN p.op = 'create' THEN NULL ELSE to_json(p) END AS after
    FROM apply_schools p LEFT JOIN schools r USING (school_id)
    UNION ALL
    SELECT 'account', p.person_sid, p.op, to_json(r), to_json(p)
    FROM apply_accounts p JOIN accounts r USING (person_sid)
    UNION ALL
    SELECT 'class', p.class_sid, p.op, to_json(r), to_json(p)
    FROM apply_classes p JOIN classes r USING (class_sid)
    UNION ALL
    SELECT 'membership', p.class_sid || '|' || p.person_sid, p.op, to_json(r), to_json(p)
    FROM apply_memberships p
    JOIN (SELECT m.*, i.class_sid, i.person_sid FROM memberships m JOIN changed_membership_ids i USING (class_id, account_id)) r
      USING (class_sid, person_sid)
    WHERE p.op <> 'create'
    UNION ALL
    -- Created accounts, classes and memberships: one row per entity for the run, with how many (each
    -- created row carries created_run = this run, which is what a rollback deletes by).
    SELECT entity, '*', 'create', NULL, json_object('count', n) FROM (
        SELECT 'account' AS entity, count(*) AS n FROM apply_accounts WHERE op = 'create'
        UNION ALL
        SELECT 'class', count(*) FROM apply_classes WHERE op = 'create'
        UNION ALL
        SELECT 'membership', count(*) FROM apply_memberships WHERE op = 'create'
    ) WHERE n > 0
);

INSERT INTO schools
SELECT school_id, name, $run_id, NULL FROM apply_schools WHERE op = 'create';
UPDATE schools SET name = p.name, updated_run = $run_id
FROM apply_schools p WHERE p.school_id = schools.school_id AND p.op = 'update';
