-- Apply a run's frozen plan: the rows apply/prepare_apply chose (apply_schools, apply_accounts,
-- apply_classes, apply_memberships, changed_membership_ids). Runs inside the caller's transaction. The
-- change log is written first, from the roster as it was.

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

-- Accounts updated, reactivated or removed: each row replaced by its new image (deleted, then inserted,
-- as a rollback restores them), for the reason given at the memberships below. Email and phone are never
-- in an update: they belong to the user once the account exists; nor is claimed_at (the app's).
CREATE OR REPLACE TEMP TABLE replaced_accounts AS
SELECT a.* REPLACE (
           CASE WHEN p.op = 'remove' THEN a.role ELSE p.role END AS role,
           CASE WHEN p.op = 'remove' THEN a.school_id ELSE p.school_id END AS school_id,
           CASE WHEN p.op = 'remove' THEN a.given_name ELSE p.given_name END AS given_name,
           CASE WHEN p.op = 'remove' THEN a.family_name ELSE p.family_name END AS family_name,
           CASE WHEN p.op = 'remove' THEN a.grade ELSE p.grade END AS grade,
           $run_id AS updated_run,
           CASE p.op WHEN 'remove' THEN 'deactivated'
                     WHEN 'reactivate' THEN CASE WHEN a.claimed_at IS NULL THEN 'pending' ELSE 'active' END
                     ELSE a.status END AS status,
           CASE p.op WHEN 'remove' THEN $run_id WHEN 'reactivate' THEN NULL ELSE a.removed_run END AS removed_run)
FROM accounts a JOIN apply_accounts p ON p.person_sid = a.person_sid
WHERE p.op IN ('update', 'reactivate', 'remove');

DELETE FROM accounts a WHERE EXISTS (SELECT 1 FROM replaced_accounts r WHERE r.person_sid = a.person_sid);

INSERT INTO accounts SELECT * FROM replaced_accounts;

INSERT INTO accounts
SELECT (SELECT coalesce(max(account_id), 0) FROM accounts) + c.n,
       p.person_sid, p.role, p.school_id, p.given_name, p.family_name, p.email, p.phone, p.grade,
       'pending', NULL, $run_id, NULL, NULL
FROM apply_accounts p JOIN created_account_numbers c ON c.plan_row = p.rowid;

INSERT INTO classes
SELECT (SELECT coalesce(max(class_id), 0) FROM classes) + c.n,
       p.class_sid, p.school_id, p.sis_name, NULL, p.term, p.period, p.subject, p.grade, p.status, $run_id, NULL, NULL
FROM apply_classes p JOIN created_class_numbers c ON c.plan_row = p.rowid;

-- app_name is the app's: a sync never writes it.
UPDATE classes
SET school_id = p.school_id, sis_name = p.sis_name, term = p.term, period = p.period,
    subject = p.subject, grade = p.grade, status = p.status, updated_run = $run_id,
    removed_run = CASE WHEN p.op = 'reactivate' THEN NULL ELSE classes.removed_run END
FROM apply_classes p
WHERE p.class_sid = classes.class_sid AND p.op IN ('update', 'reactivate');

UPDATE classes SET status = 'archived', removed_run = $run_id, updated_run = $run_id
FROM apply_classes p WHERE p.class_sid = classes.class_sid AND p.op = 'remove';

-- Memberships updated, reactivated or removed: each row is replaced by its new image (deleted, then
-- inserted, as a rollback restores them), not updated in place: the same rows and values. In a DuckDB
-- file an UPDATE keeps, per column, an undo image of every 2,048-row vector it touches, and a night's
-- removals touch most of the table's vectors: at 1M students, three columns of 72k rows scattered over
-- 14.6M held about 1.7 GB and the commit then thrashed against the 2 GB memory limit (1.7 s, against
-- 0.04 s for a delete of the same rows). Replaced before the creates are inserted (the replacement
-- reads the table; in a first sync it is then still empty).
CREATE OR REPLACE TEMP TABLE replaced_memberships AS
SELECT m.* REPLACE (
           CASE WHEN p.op = 'remove' THEN m.role ELSE p.role END AS role,
           CASE WHEN p.op = 'remove' THEN 'removed' ELSE 'active' END AS status,
           $run_id AS updated_run,
           CASE WHEN p.op = 'remove' THEN $run_id END AS removed_run)
FROM memberships m
JOIN changed_membership_ids p ON p.class_id = m.class_id AND p.account_id = m.account_id
WHERE p.op IN ('update', 'reactivate', 'remove');

DELETE FROM memberships m
WHERE EXISTS (SELECT 1 FROM replaced_memberships r WHERE r.class_id = m.class_id AND r.account_id = m.account_id);

INSERT INTO memberships SELECT * FROM replaced_memberships;

-- Created memberships, by the ids of their class and account (made above when new).
INSERT INTO memberships
SELECT c.class_id, a.account_id, p.role, 'active', $run_id, NULL, NULL
FROM apply_memberships p JOIN classes c USING (class_sid) JOIN accounts a USING (person_sid)
WHERE p.op = 'create';

-- School states: on hold where a hold was not released (and since when: a school already on hold keeps
-- its date), paused where deselected, else connected.
CREATE OR REPLACE TEMP TABLE previous_state AS SELECT * FROM school_state;
DELETE FROM school_state WHERE school_id IN (SELECT school_id FROM plan_school_map WHERE run_id = $run_id);
INSERT INTO school_state
SELECT m.school_id,
       CASE WHEN NOT bool_and(m.selected) THEN 'Paused'
            WHEN count(h.reason) > 0 AND m.school_id NOT IN (SELECT school_id FROM released_schools) THEN 'On hold'
            ELSE 'Connected' END,
       string_agg(DISTINCT h.reason, ', ' ORDER BY h.reason)
           || CASE WHEN count(h.reason) > 0 AND m.school_id NOT IN (SELECT school_id FROM released_schools)
                   THEN '; not released at run ' || $run_id ELSE '' END,
       CASE WHEN count(h.reason) > 0 AND m.school_id NOT IN (SELECT school_id FROM released_schools)
            THEN coalesce(min(p.since) FILTER (WHERE p.state = 'On hold'), now()::TIMESTAMP)
            ELSE now()::TIMESTAMP END
FROM plan_school_map m
LEFT JOIN plan_holds h ON h.run_id = m.run_id AND h.school_id = m.school_id
LEFT JOIN previous_state p ON p.school_id = m.school_id
WHERE m.run_id = $run_id AND m.mapped
GROUP BY m.school_id;
-- A school an earlier run left on hold that this run neither syncs nor holds (it left the upload, or
-- the config): nothing of it waits any more, and no later run must be planned again for it.
DELETE FROM school_state WHERE state = 'On hold'
  AND school_id NOT IN (SELECT school_id FROM plan_school_map WHERE run_id = $run_id)
  AND school_id NOT IN (SELECT school_id FROM plan_holds WHERE run_id = $run_id);
DROP TABLE previous_state;
