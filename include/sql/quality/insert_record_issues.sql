-- Record-level errors (the record is skipped, the rest of the sync goes on) and alerts (reported only).
-- Codes and messages: rostersync.quality.RECORD_CATALOGUE. Every check runs over every row of the
-- run's snapshot (never a sample): these decide what is applied. A skipped record is kept as the roster
-- has it (the plan neither changes nor removes it), so an error never causes a removal.
-- Reads the temp tables of prepare_record_issues.

-- Records normalize could not read (wrong shape, two primary roles): skipped, and named here.
INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid, other_key)
SELECT $run_id, code, 'error', entity, key, school_sid, other_key FROM snap_rejects WHERE run_id = $run_id;

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'E101', 'error', 'person', p.person_sid, s.school_sid
FROM snap_people p LEFT JOIN person_school s USING (person_sid)
WHERE p.run_id = $run_id AND p.role = 'teacher' AND NOT usable_email(p.email);

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'E102', 'error', 'person', p.person_sid, s.school_sid
FROM snap_people p LEFT JOIN person_school s USING (person_sid)
WHERE p.run_id = $run_id
  AND CASE WHEN p.role = 'guardian' THEN p.given_name IS NULL AND p.family_name IS NULL  -- one name will do
           ELSE p.given_name IS NULL OR p.family_name IS NULL END;

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid, other_key)  -- the class is unknown:
SELECT $run_id, 'E103', 'error', 'membership', m.class_sid, s.school_sid, m.person_sid  -- the person's school
FROM (SELECT class_sid, person_sid FROM snap_memberships m
      WHERE m.run_id = $run_id
        AND NOT EXISTS (SELECT 1 FROM snap_classes c WHERE c.run_id = $run_id AND c.class_sid = m.class_sid)) m
LEFT JOIN person_school s USING (person_sid);

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid, other_key)
SELECT $run_id, 'E104', 'error', 'membership', m.class_sid, c.school_sid, m.person_sid
FROM snap_memberships m LEFT JOIN snap_classes c ON c.run_id = m.run_id AND c.class_sid = m.class_sid
WHERE m.run_id = $run_id
  AND NOT EXISTS (SELECT 1 FROM person_role p WHERE p.person_sid = m.person_sid);

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'E105', 'error', 'person', p.person_sid, s.school_sid
FROM snap_people p LEFT JOIN person_school s USING (person_sid)
WHERE p.run_id = $run_id AND p.role = 'guardian' AND NOT usable_email(p.email) AND NOT usable_phone(p.phone);

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
SELECT DISTINCT $run_id, 'E109', 'error', 'membership', m.class_sid, c.school_sid, m.person_sid
FROM snap_memberships m
JOIN person_role p ON p.person_sid = m.person_sid AND p.records = 1
LEFT JOIN snap_classes c ON c.run_id = m.run_id AND c.class_sid = m.class_sid
WHERE m.run_id = $run_id AND m.role <> p.role;

-- A guardianship that pairs the wrong roles: a teacher or a student listed as a guardian, or a
-- guardian named where the student goes. The link is skipped (no parent membership comes of it).
INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid, other_key)
SELECT $run_id, 'E110', 'error', 'guardianship', g.student_sid, s.school_sid, g.guardian_sid
FROM snap_guardianships g
JOIN person_role st ON st.person_sid = g.student_sid
JOIN person_role gu ON gu.person_sid = g.guardian_sid
LEFT JOIN person_school s ON s.person_sid = g.student_sid
WHERE g.run_id = $run_id AND (st.role <> 'student' OR gu.role <> 'guardian');

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'A201', 'alert', 'person', p.person_sid, s.school_sid
FROM snap_people p LEFT JOIN person_school s USING (person_sid)
WHERE p.run_id = $run_id AND p.role = 'student' AND NOT usable_email(p.email) AND NOT usable_phone(p.phone);

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'A202', 'alert', 'class', c.class_sid, c.school_sid
FROM snap_classes c
WHERE c.run_id = $run_id
  AND NOT EXISTS (SELECT 1 FROM snap_memberships m
                  WHERE m.run_id = $run_id AND m.class_sid = c.class_sid AND m.role = 'student');

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'A203', 'alert', 'person', p.person_sid, s.school_sid
FROM snap_people p LEFT JOIN person_school s USING (person_sid)
WHERE p.run_id = $run_id AND p.role = 'teacher'
  AND NOT EXISTS (SELECT 1 FROM snap_memberships m WHERE m.run_id = $run_id AND m.person_sid = p.person_sid);

-- Enrollments and classes outside their dates on the run's data date (an enrollment that ended last
-- June, one that starts next term, a class whose terms are over): reported, and not synced.
CREATE OR REPLACE TEMP TABLE run_date AS
SELECT coalesce((SELECT max(data_date) FROM snap_runs WHERE run_id = $run_id), current_date) AS data_date;

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid, other_key)
SELECT $run_id, 'A206', 'alert', 'membership', m.class_sid, c.school_sid, m.person_sid
FROM snap_memberships m LEFT JOIN snap_classes c ON c.run_id = m.run_id AND c.class_sid = m.class_sid
WHERE m.run_id = $run_id
  AND (m.begin_date > (SELECT data_date FROM run_date) OR m.end_date < (SELECT data_date FROM run_date));

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'A206', 'alert', 'class', c.class_sid, c.school_sid
FROM snap_classes c
WHERE c.run_id = $run_id AND c.end_date < (SELECT data_date FROM run_date);

DROP TABLE run_date;

-- An email or a phone that is not one usable address or number (two addresses, a line break, a
-- header, letters in a phone): the account is made without it (for teachers the email is E101).
INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'A204', 'alert', 'person', p.person_sid, s.school_sid
FROM snap_people p LEFT JOIN person_school s USING (person_sid)
WHERE p.run_id = $run_id AND p.role <> 'teacher' AND p.email IS NOT NULL AND NOT usable_email(p.email);

INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'A205', 'alert', 'person', p.person_sid, s.school_sid
FROM snap_people p LEFT JOIN person_school s USING (person_sid)
WHERE p.run_id = $run_id AND p.phone IS NOT NULL AND NOT usable_phone(p.phone);

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
-- no account: a set difference of ids) are found first, and only their emails checked (checking every
-- person's first took 1.0 to 1.3 s at 1M, this 0.6 s).
INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid)
SELECT $run_id, 'E107', 'error', 'person', p.person_sid, s.school_sid
FROM snap_people p LEFT JOIN person_school s USING (person_sid)
WHERE p.run_id = $run_id
  AND p.person_sid IN (SELECT person_sid FROM snap_people WHERE run_id = $run_id
                       EXCEPT SELECT person_sid FROM accounts)
  AND usable_email(p.email)
  AND EXISTS (SELECT 1 FROM accounts a
              WHERE a.email = p.email AND a.person_sid <> p.person_sid AND a.status <> 'deactivated');

DROP TABLE person_school; DROP TABLE person_role;  -- prepare_record_issues's
