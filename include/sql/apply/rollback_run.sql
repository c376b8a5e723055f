-- Restore the roster to what it was before run $run_id, from its change log, and log the rollback as
-- run $rollback_id. $account_type, $class_type, $membership_type and $school_type are the tables' row types (JSON),
-- read from the schema by the code. Rows the run created are deleted (they did not exist before it); rows it
-- changed get their before image back.

CREATE OR REPLACE TEMP TABLE undo AS
SELECT entity, key, op, before, after FROM change_log WHERE run_id = $run_id;

INSERT INTO change_log
SELECT $rollback_id, row_number() OVER (), entity, key, 'rollback', after, before FROM undo;

DELETE FROM accounts WHERE created_run = $run_id;
DELETE FROM accounts WHERE person_sid IN (SELECT key FROM undo WHERE entity = 'account' AND op <> 'create');
INSERT INTO accounts
SELECT unnest(from_json(before, $account_type)) FROM undo WHERE entity = 'account' AND op <> 'create';

DELETE FROM classes WHERE created_run = $run_id;
DELETE FROM classes WHERE class_sid IN (SELECT key FROM undo WHERE entity = 'class' AND op <> 'create');
INSERT INTO classes
SELECT unnest(from_json(before, $class_type)) FROM undo WHERE entity = 'class' AND op <> 'create';

CREATE OR REPLACE TEMP TABLE undo_memberships AS
SELECT unnest(from_json(before, $membership_type)) FROM undo WHERE entity = 'membership' AND op <> 'create';
DELETE FROM memberships WHERE created_run = $run_id;
DELETE FROM memberships m
WHERE EXISTS (SELECT 1 FROM undo_memberships u WHERE u.class_id = m.class_id AND u.account_id = m.account_id);
INSERT INTO memberships SELECT * FROM undo_memberships;

DELETE FROM schools WHERE created_run = $run_id;
DELETE FROM schools WHERE school_id IN (SELECT key FROM undo WHERE entity = 'school' AND op <> 'create');
INSERT INTO schools
SELECT unnest(from_json(before, $school_type)) FROM undo WHERE entity = 'school' AND op <> 'create';

UPDATE sync_runs SET status = 'rolled_back' WHERE run_id = $run_id;

DROP TABLE undo; DROP TABLE undo_memberships;
