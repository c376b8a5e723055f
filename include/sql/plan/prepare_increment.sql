-- The incremental plan's scope: what may differ between this run's plan and the base run's (the last
-- applied run, whose snapshot and record issues are kept). Its memberships are planned only for the
-- pairs in scope: of a class, a person or a pair listed here. Every other pair is unchanged: the same
-- snapshot rows and record issues in both runs, no change the base planned and did not make (held,
-- kept or skipped: plan_unapplied), and a roster as the base's apply left it (compute_plan checks its
-- fingerprint before taking this path). Params: $run_id, $base_run. Reads prepare_plan's tables.
-- Rows are compared by a hash of the whole row (every column but run_id), per key: a row in only one of
-- the two runs is a change.

-- The rows of a snapshot table in only one of two runs: each run's rows whose hash (of the whole row but
-- run_id; never NULL) the other run's rows lack, each way. Each side's hashes are computed twice, as rows
-- and as the set they are probed against, so no run's rows are ever held whole: for the 12.5M membership
-- rows of a 1M-student district, 0.87 s and 0.4-0.5 GB of RSS, against 1.06 s and 1.5 GB with each run's
-- rows made once (a CTE read twice) and 1.43 s and 1.8 GB grouping both runs' hashes.
CREATE OR REPLACE TEMP MACRO changed_rows(snapshot_table, one_run, other_run) AS TABLE
SELECT * EXCLUDE (row_hash)
FROM (SELECT *, hash(*COLUMNS(* EXCLUDE (run_id))) AS row_hash FROM query_table(snapshot_table) WHERE run_id = one_run)
WHERE row_hash NOT IN (SELECT hash(*COLUMNS(* EXCLUDE (run_id))) FROM query_table(snapshot_table) WHERE run_id = other_run)
UNION ALL
SELECT * EXCLUDE (row_hash)
FROM (SELECT *, hash(*COLUMNS(* EXCLUDE (run_id))) AS row_hash FROM query_table(snapshot_table) WHERE run_id = other_run)
WHERE row_hash NOT IN (SELECT hash(*COLUMNS(* EXCLUDE (run_id))) FROM query_table(snapshot_table) WHERE run_id = one_run);

CREATE OR REPLACE TEMP TABLE increment_dates AS
SELECT (SELECT data_date FROM plan_runs WHERE run_id = $base_run) AS base_date,
       (SELECT data_date FROM run_date) AS run_date;

-- People: their record, their schools, their guardianships (both sides), a record error in either run,
-- a change the base planned for them and did not make; then the guardians of every such student (a
-- guardian's school and parent memberships come from their students).
CREATE OR REPLACE TEMP TABLE dirty_people AS
WITH seed AS MATERIALIZED (  -- read twice: made once
    SELECT person_sid FROM changed_rows('snap_people', $run_id, $base_run)
    UNION
    SELECT person_sid FROM changed_rows('snap_school_people', $run_id, $base_run)
    UNION
    SELECT unnest([student_sid, guardian_sid]) FROM changed_rows('snap_guardianships', $run_id, $base_run)
    UNION
    SELECT CASE WHEN entity IN ('person', 'guardianship') THEN key END FROM record_issues
    WHERE run_id IN ($run_id, $base_run) AND severity = 'error'
    UNION
    SELECT CASE WHEN entity IN ('guardianship', 'membership') THEN other_key END FROM record_issues
    WHERE run_id IN ($run_id, $base_run) AND severity = 'error'
    UNION
    SELECT key FROM plan_unapplied WHERE run_id = $base_run AND entity = 'account'
    UNION
    -- A person the roster holds two accounts of: an apply sets both from one plan row, so one of them may
    -- still differ from what the full diff plans (a deactivated twin of an active account, say).
    SELECT person_sid FROM accounts GROUP BY person_sid HAVING count(*) > 1
)
SELECT person_sid FROM seed WHERE person_sid IS NOT NULL
UNION
SELECT g.guardian_sid FROM snap_guardianships g JOIN seed s ON s.person_sid = g.student_sid
WHERE g.run_id IN ($run_id, $base_run);

-- Classes: their record, a record error in either run, a change the base did not make, an end date the two
-- runs' dates fall on either side of.
CREATE OR REPLACE TEMP TABLE dirty_classes AS
SELECT class_sid FROM changed_rows('snap_classes', $run_id, $base_run)
UNION
SELECT key FROM record_issues
WHERE run_id IN ($run_id, $base_run) AND severity = 'error' AND entity IN ('class', 'membership') AND key IS NOT NULL
UNION
SELECT key FROM plan_unapplied WHERE run_id = $base_run AND entity = 'class'
UNION
SELECT c.class_sid FROM snap_classes c, increment_dates d
WHERE c.run_id IN ($run_id, $base_run) AND c.end_date IS NOT NULL
  AND (c.end_date >= d.base_date) IS DISTINCT FROM (c.end_date >= d.run_date);

-- Pairs: an enrollment row in only one run, or current on one run's date and not the other's; a change
-- the base did not make; and the parent pairs of each such student enrollment.
CREATE OR REPLACE TEMP TABLE dirty_pairs AS
WITH changed AS MATERIALIZED (  -- read twice: made once
    SELECT class_sid, person_sid FROM changed_rows('snap_memberships', $run_id, $base_run)
    UNION
    SELECT m.class_sid, m.person_sid FROM snap_memberships m, increment_dates d
    WHERE m.run_id IN ($run_id, $base_run) AND (m.begin_date IS NOT NULL OR m.end_date IS NOT NULL)
      AND ((m.begin_date IS NULL OR m.begin_date <= d.base_date) AND (m.end_date IS NULL OR m.end_date >= d.base_date))
          IS DISTINCT FROM
          ((m.begin_date IS NULL OR m.begin_date <= d.run_date) AND (m.end_date IS NULL OR m.end_date >= d.run_date))
)
SELECT class_sid, person_sid FROM changed
UNION
SELECT key, other_key FROM plan_unapplied WHERE run_id = $base_run AND entity = 'membership'
UNION
SELECT c.class_sid, g.guardian_sid FROM changed c
JOIN snap_guardianships g ON g.student_sid = c.person_sid AND g.run_id IN ($run_id, $base_run);

-- A pair in the incremental plan's scope (insert_plan_memberships keeps only these of what it wants).
CREATE OR REPLACE TEMP MACRO in_increment(class_key, person_key) AS
    class_key IN (SELECT class_sid FROM dirty_classes)
    OR person_key IN (SELECT person_sid FROM dirty_people)
    OR (class_key, person_key) IN (SELECT class_sid, person_sid FROM dirty_pairs);

-- The enrollments the scoped pairs are made of: every row of a pair in scope, and every row of a student
-- whose guardian is scoped (a parent's membership comes from them).
CREATE OR REPLACE TEMP TABLE scoped_memberships AS
SELECT * FROM current_memberships($run_id)
WHERE in_increment(class_sid, person_sid)
   OR person_sid IN (SELECT g.student_sid FROM guardianships g JOIN dirty_people d ON d.person_sid = g.guardian_sid)
   OR (class_sid, person_sid) IN (SELECT p.class_sid, g.student_sid FROM dirty_pairs p
                                  JOIN guardianships g ON g.guardian_sid = p.person_sid);

-- The roster's memberships of the scoped pairs, by the roster's own ids.
CREATE OR REPLACE TEMP TABLE scoped_roster_memberships AS
SELECT m.* FROM memberships m
WHERE m.class_id IN (SELECT class_id FROM classes WHERE class_sid IN (SELECT class_sid FROM dirty_classes))
   OR m.account_id IN (SELECT account_id FROM accounts WHERE person_sid IN (SELECT person_sid FROM dirty_people))
   OR (m.class_id, m.account_id) IN (
        SELECT c.class_id, a.account_id FROM dirty_pairs p
        JOIN classes c USING (class_sid) JOIN accounts a USING (person_sid));

-- The people whose accounts the incremental plan diffs, and whom its memberships are joined to: the dirty
-- people, and everyone in a scoped pair (a member, and each guardian of a scoped student). Every other
-- person has the snapshot rows and record issues the base had, and an account as the base's apply left it
-- (in the roster's fingerprint), so the full diff has no row of them either.
CREATE OR REPLACE TEMP TABLE scoped_people AS
SELECT person_sid FROM dirty_people
UNION
SELECT person_sid FROM scoped_memberships
UNION
SELECT g.guardian_sid FROM guardianships g JOIN scoped_memberships m ON m.person_sid = g.student_sid;
CREATE OR REPLACE TEMP MACRO in_people_increment(person_key) AS person_key IN (SELECT person_sid FROM scoped_people);
