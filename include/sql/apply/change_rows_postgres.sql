-- The roster's changed accounts and memberships in PostgreSQL (apply.apply_plan runs this, or
-- change_rows_duckdb.sql for a roster in the DuckDB file): updated in place, so a row keeps its identity
-- for the app's own tables. Email and phone are never in an update: they belong to the user once the
-- account exists; claimed_at is the app's.
UPDATE accounts
SET role = p.role, school_id = p.school_id, given_name = p.given_name, family_name = p.family_name,
    grade = p.grade, updated_run = $run_id,
    status = CASE WHEN p.op = 'reactivate'
                  THEN CASE WHEN accounts.claimed_at IS NULL THEN 'pending' ELSE 'active' END
                  ELSE accounts.status END,
    removed_run = CASE WHEN p.op = 'reactivate' THEN NULL ELSE accounts.removed_run END
FROM apply_accounts p
WHERE p.person_sid = accounts.person_sid AND p.op IN ('update', 'reactivate');

UPDATE accounts SET status = 'deactivated', removed_run = $run_id, updated_run = $run_id
FROM apply_accounts p WHERE p.person_sid = accounts.person_sid AND p.op = 'remove';

UPDATE memberships SET role = p.role, status = 'active', updated_run = $run_id, removed_run = NULL
FROM changed_membership_ids p
WHERE p.class_id = memberships.class_id AND p.account_id = memberships.account_id
  AND p.op IN ('update', 'reactivate');

UPDATE memberships SET status = 'removed', removed_run = $run_id, updated_run = $run_id
FROM changed_membership_ids p
WHERE p.class_id = memberships.class_id AND p.account_id = memberships.account_id AND p.op = 'remove';
