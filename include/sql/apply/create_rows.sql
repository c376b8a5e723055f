-- The roster's created rows, class changes and school states, after apply_plan.sql and change_rows_*.sql
-- (apply.apply_plan; inside the apply's transaction).

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
