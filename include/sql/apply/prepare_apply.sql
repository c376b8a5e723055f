-- The plan rows an apply applies, for the released schools (temp table released_schools(school_id)):
-- made before the apply's transaction, which reads them (DuckDB scans a table made inside a transaction
-- on one thread: 14.6M memberships in a first sync). They read the roster as the plan left it: the apply
-- checks the roster's version first thing in its transaction, and refuses a roster changed since.

CREATE OR REPLACE TEMP TABLE apply_schools AS
SELECT * FROM plan_schools WHERE run_id = $run_id AND school_id IN (SELECT school_id FROM released_schools);
-- An additive district (mode additive, as the plan recorded it) never applies a removal: the plan lists
-- them, the apply skips them.
CREATE OR REPLACE TEMP TABLE apply_mode AS
SELECT coalesce((SELECT settings->>'mode' FROM plan_runs WHERE run_id = $run_id), 'full') = 'additive' AS additive;
-- Schools this run keeps on hold: an account or class moving out of one of them waits with it, and so
-- do its memberships, even when the school it moves to was released (a move changes both schools).
CREATE OR REPLACE TEMP TABLE kept_moves AS
WITH kept AS (
    SELECT school_id FROM plan_holds WHERE run_id = $run_id
    EXCEPT SELECT school_id FROM released_schools
)
SELECT 'account' AS entity, p.person_sid AS key FROM plan_accounts p JOIN accounts r USING (person_sid)
WHERE p.run_id = $run_id AND r.school_id <> p.school_id AND r.school_id IN (SELECT school_id FROM kept)
UNION ALL
SELECT 'class', p.class_sid FROM plan_classes p JOIN classes r USING (class_sid)
WHERE p.run_id = $run_id AND r.school_id <> p.school_id AND r.school_id IN (SELECT school_id FROM kept);
CREATE OR REPLACE TEMP TABLE apply_accounts AS
SELECT * FROM plan_accounts WHERE run_id = $run_id AND school_id IN (SELECT school_id FROM released_schools)
  AND NOT ((SELECT additive FROM apply_mode) AND op = 'remove')
  AND person_sid NOT IN (SELECT key FROM kept_moves WHERE entity = 'account');
CREATE OR REPLACE TEMP TABLE apply_classes AS
SELECT * FROM plan_classes WHERE run_id = $run_id AND school_id IN (SELECT school_id FROM released_schools)
  AND NOT ((SELECT additive FROM apply_mode) AND op = 'remove')
  AND class_sid NOT IN (SELECT key FROM kept_moves WHERE entity = 'class');
CREATE OR REPLACE TEMP TABLE apply_memberships AS
SELECT * FROM plan_memberships WHERE run_id = $run_id AND school_id IN (SELECT school_id FROM released_schools)
  AND NOT ((SELECT additive FROM apply_mode) AND op = 'remove')
  AND person_sid NOT IN (SELECT key FROM kept_moves WHERE entity = 'account')
  AND class_sid NOT IN (SELECT key FROM kept_moves WHERE entity = 'class');

-- The roster ids of the memberships this apply changes (not creates): their before images are read by
-- these ids, so the log reads only the rows it logs, and the rows are replaced by them.
CREATE OR REPLACE TEMP TABLE changed_membership_ids AS
SELECT p.op, p.role, p.class_sid, p.person_sid, c.class_id, a.account_id
FROM apply_memberships p JOIN classes c USING (class_sid) JOIN accounts a USING (person_sid)
WHERE p.op <> 'create';

-- Each created account's and class's place among the run's creates, in source-id order: its roster id
-- is the roster's largest plus this. Numbered here: inside the apply's transaction the numbering took
-- about 3 s for a first sync's 2.4M accounts, here 0.3 s.
CREATE OR REPLACE TEMP TABLE created_account_numbers AS
SELECT rowid AS plan_row, row_number() OVER (ORDER BY person_sid) AS n FROM apply_accounts WHERE op = 'create';
CREATE OR REPLACE TEMP TABLE created_class_numbers AS
SELECT rowid AS plan_row, row_number() OVER (ORDER BY class_sid) AS n FROM apply_classes WHERE op = 'create';
