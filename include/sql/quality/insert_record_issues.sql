-- Record-level errors (the record is skipped, the rest of the sync goes on) and alerts (reported only).
-- Codes and messages: rostersync.quality.RECORD_CATALOGUE. Every check runs over every row of the
-- run's snapshot (never a sample): these decide what is applied. A skipped record is kept as the roster
-- has it (the plan neither changes nor removes it), so an error never causes a removal.
-- Reads the temp tables of prepare_record_issues.

-- Records normalize could not read (wrong shape, two primary roles): skipped, and named here.
INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid, other_key)
SELECT $run_id, code, 'error', entity, key, school_sid, other_key FROM snap_rejects WHERE run_id = $run_id;

-- A person's own fields (prepare_record_issues): a teacher without an email, a name missing, no way to
-- reach a guardian or a student, an email or a phone that cannot be used.
INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, f.code, CASE WHEN f.code LIKE 'E%' THEN 'error' ELSE 'alert' END, 'person', f.person_sid, s.school_sid
FROM person_findings f LEFT JOIN person_school s USING (person_sid);

-- An enrollment whose class is unknown goes to the person's school; the others to the class's.
INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid, other_key)
SELECT $run_id, 'E103', 'error', 'membership', f.class_sid, s.school_sid, f.person_sid
FROM membership_findings f LEFT JOIN person_school s USING (person_sid)
WHERE f.no_class;

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid, other_key)
SELECT $run_id, 'E104', 'error', 'membership', class_sid, school_sid, person_sid
FROM membership_findings WHERE no_person;

-- One id, one person: the same source id given to two records (a teacher and a student, say).
INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'E108', 'error', 'person', r.person_sid, s.school_sid
FROM person_role r LEFT JOIN person_school s USING (person_sid)
WHERE r.records > 1;

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'E108', 'error', 'class', class_sid, min(school_sid)
FROM snap_classes WHERE run_id = $run_id
GROUP BY class_sid HAVING count(*) > 1;

-- An enrollment whose role is not the person's: a student listed as a class's teacher, a teacher
-- enrolled as a student. The enrollment is skipped (a student never owns a class).
INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid, other_key)
SELECT DISTINCT $run_id, 'E109', 'error', 'membership', class_sid, school_sid, person_sid
FROM membership_findings WHERE wrong_role;

-- A guardianship that pairs the wrong roles: a teacher or a student listed as a guardian, or a
-- guardian named where the student goes. The link is skipped (no parent membership comes of it).
INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid, other_key)
WITH found AS MATERIALIZED (  -- the school joined to the links found only
    SELECT g.student_sid, g.guardian_sid
    FROM snap_guardianships g
    JOIN person_role st ON st.person_sid = g.student_sid
    JOIN person_role gu ON gu.person_sid = g.guardian_sid
    WHERE g.run_id = $run_id AND (st.role <> 'student' OR gu.role <> 'guardian')
)
SELECT $run_id, 'E110', 'error', 'guardianship', f.student_sid, s.school_sid, f.guardian_sid
FROM found f LEFT JOIN person_school s ON s.person_sid = f.student_sid;

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'A202', 'alert', 'class', c.class_sid, c.school_sid  -- a class without students
FROM snap_classes c
LEFT JOIN (SELECT DISTINCT class_sid FROM snap_memberships WHERE run_id = $run_id AND role = 'student') s USING (class_sid)
WHERE c.run_id = $run_id AND s.class_sid IS NULL;  -- a join to the classes that have one (NOT EXISTS: 0.6 s at 1M)

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'A203', 'alert', 'person', p.person_sid, s.school_sid
FROM snap_people p LEFT JOIN person_school s USING (person_sid)
WHERE p.run_id = $run_id AND p.role = 'teacher'
  AND NOT EXISTS (SELECT 1 FROM snap_memberships m WHERE m.run_id = $run_id AND m.person_sid = p.person_sid);

-- Enrollments and classes outside their dates on the run's data date (an enrollment that ended last
-- June, one that starts next term, a class whose terms are over): reported, and not synced.
INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid, other_key)
SELECT $run_id, 'A206', 'alert', 'membership', class_sid, school_sid, person_sid
FROM membership_findings WHERE out_of_dates;

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'A206', 'alert', 'class', class_sid, school_sid
FROM snap_classes
WHERE run_id = $run_id
  AND end_date < (SELECT data_date FROM run_date);

-- Duplicate emails: the highest role keeps it (teacher, then parent, then student), then the lowest
-- source id; the others cannot get an account with it. Ranked among the emails given more than once
-- only, and the report's school joined to the losers only (ranking every person took 1 s at 1M).
INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'E106', 'error', 'person', d.person_sid, s.school_sid
FROM (
    SELECT p.person_sid,
           row_number() OVER (PARTITION BY p.email
                              ORDER BY CASE p.role WHEN 'teacher' THEN 1 WHEN 'admin' THEN 1
                                                   WHEN 'guardian' THEN 2 ELSE 3 END,
                                       p.person_sid) AS keeps
    FROM snap_people p
    WHERE p.run_id = $run_id AND usable_email(p.email)
      AND p.email IN (SELECT email FROM snap_people WHERE run_id = $run_id GROUP BY email HAVING count(*) > 1)
) d
LEFT JOIN person_school s USING (person_sid)
WHERE d.keeps > 1;

-- A new person whose email an existing account of someone else already has. The new people (ids with
-- no account: a set difference of ids) are found first and only their emails checked, then the school
-- joined to the few found. Both steps are materialised: DuckDB otherwise joined every person to a school
-- and checked every email first (0.6 s at 1M, this 0.25 s).
INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
WITH new_people AS MATERIALIZED (
    SELECT person_sid FROM snap_people WHERE run_id = $run_id EXCEPT SELECT person_sid FROM accounts
), found AS MATERIALIZED (
    SELECT p.person_sid
    FROM snap_people p
    WHERE p.run_id = $run_id
      AND p.person_sid IN (SELECT person_sid FROM new_people)
      AND usable_email(p.email)
      AND EXISTS (SELECT 1 FROM accounts a
                  WHERE a.email = p.email AND a.person_sid <> p.person_sid AND a.status <> 'deactivated')
)
SELECT $run_id, 'E107', 'error', 'person', f.person_sid, s.school_sid
FROM found f LEFT JOIN person_school s USING (person_sid);

DROP TABLE person_school; DROP TABLE person_role;  -- prepare_record_issues's
DROP TABLE person_findings; DROP TABLE membership_findings; DROP TABLE run_date;
