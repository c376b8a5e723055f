-- The roster's changed accounts and memberships in a DuckDB file (apply.apply_plan runs this, or
-- change_rows_postgres.sql for a roster in PostgreSQL, after apply_plan.sql and before create_rows.sql):
-- each row updated, reactivated or removed is replaced by its new image (deleted, then inserted, as a
-- rollback restores it), not updated in place: the same rows and values, ids and every column the sync
-- does not write (email, phone, claimed_at) kept. In a DuckDB file an UPDATE keeps, per column, an undo
-- image of every 2,048-row vector it touches, and a night's removals touch most of the table's vectors:
-- at 1M students, three columns of 72k memberships scattered over 14.6M held about 1.7 GB and the commit
-- then thrashed against the 2 GB memory limit (1.7 s, against 0.04 s for a delete of the same rows).
-- Before the creates: the replacement reads the table, in a first sync still empty. One plan row per key
-- (a roster with two rows for one id may give two): each roster row is replaced once, as an UPDATE
-- changes it once.

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
FROM accounts a
JOIN (SELECT DISTINCT ON (person_sid) * FROM apply_accounts WHERE op IN ('update', 'reactivate', 'remove')) p
  ON p.person_sid = a.person_sid;

DELETE FROM accounts a WHERE EXISTS (SELECT 1 FROM replaced_accounts r WHERE r.person_sid = a.person_sid);

INSERT INTO accounts SELECT * FROM replaced_accounts;

CREATE OR REPLACE TEMP TABLE replaced_memberships AS
SELECT m.* REPLACE (
           CASE WHEN p.op = 'remove' THEN m.role ELSE p.role END AS role,
           CASE WHEN p.op = 'remove' THEN 'removed' ELSE 'active' END AS status,
           $run_id AS updated_run,
           CASE WHEN p.op = 'remove' THEN $run_id END AS removed_run)
FROM memberships m
JOIN (SELECT DISTINCT ON (class_id, account_id) * FROM changed_membership_ids
      WHERE op IN ('update', 'reactivate', 'remove')) p
  ON p.class_id = m.class_id AND p.account_id = m.account_id;

DELETE FROM memberships m
WHERE EXISTS (SELECT 1 FROM replaced_memberships r WHERE r.class_id = m.class_id AND r.account_id = m.account_id);

INSERT INTO memberships SELECT * FROM replaced_memberships;
