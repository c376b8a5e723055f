-- Record-level errors (the record is skipped, the rest of the sync goes on) and alerts (reported only).
-- Codes and messages: rostersync.quality.RECORD_CATALOGUE.
CREATE OR REPLACE TEMP TABLE person_school AS
SELECT person_sid, min(school_sid) AS school_sid FROM snap_school_people WHERE run_id = $run_id GROUP BY ALL;

INSERT INTO record_issues
SELECT $run_id, 'E101', 'error', 'person', p.person_sid, s.school_sid
FROM snap_people p LEFT JOIN person_school s USING (person_sid)
WHERE p.run_id = $run_id AND p.role = 'teacher'
  AND (p.email IS NULL OR NOT regexp_full_match(p.email, '[^@\s]+@[^@\s]+\.[^@\s]+'));

INSERT INTO record_issues
SELECT $run_id, 'E102', 'error', 'person', p.person_sid, s.school_sid
FROM snap_people p LEFT JOIN person_school s USING (person_sid)
WHERE p.run_id = $run_id
  AND CASE WHEN p.role = 'guardian' THEN p.given_name IS NULL AND p.family_name IS NULL  -- one name will do
           ELSE p.given_name IS NULL OR p.family_name IS NULL END;

INSERT INTO record_issues  -- the class is unknown: the report goes to the person's school
SELECT $run_id, 'E103', 'error', 'membership', m.class_sid || '|' || m.person_sid, s.school_sid
FROM (SELECT class_sid, person_sid FROM snap_memberships m
      WHERE m.run_id = $run_id
        AND NOT EXISTS (SELECT 1 FROM snap_classes c WHERE c.run_id = $run_id AND c.class_sid = m.class_sid)) m
LEFT JOIN person_school s USING (person_sid);

INSERT INTO record_issues
SELECT $run_id, 'E104', 'error', 'membership', m.class_sid || '|' || m.person_sid, c.school_sid
FROM snap_memberships m LEFT JOIN snap_classes c ON c.run_id = m.run_id AND c.class_sid = m.class_sid
WHERE m.run_id = $run_id
  AND NOT EXISTS (SELECT 1 FROM snap_people p WHERE p.run_id = $run_id AND p.person_sid = m.person_sid);

INSERT INTO record_issues  -- a guardian has no school of their own: their first student's
SELECT $run_id, 'E105', 'error', 'person', p.person_sid,
       (SELECT min(s.school_sid) FROM snap_guardianships g JOIN person_school s ON s.person_sid = g.student_sid
        WHERE g.run_id = $run_id AND g.guardian_sid = p.person_sid)
FROM snap_people p
WHERE p.run_id = $run_id AND p.role = 'guardian' AND p.email IS NULL AND p.phone IS NULL;

INSERT INTO record_issues
SELECT $run_id, 'A201', 'alert', 'person', p.person_sid, s.school_sid
FROM snap_people p LEFT JOIN person_school s USING (person_sid)
WHERE p.run_id = $run_id AND p.role = 'student' AND p.email IS NULL AND p.phone IS NULL;

INSERT INTO record_issues
SELECT $run_id, 'A202', 'alert', 'class', c.class_sid, c.school_sid
FROM snap_classes c
WHERE c.run_id = $run_id
  AND NOT EXISTS (SELECT 1 FROM snap_memberships m
                  WHERE m.run_id = $run_id AND m.class_sid = c.class_sid AND m.role = 'student');

INSERT INTO record_issues
SELECT $run_id, 'A203', 'alert', 'person', p.person_sid, s.school_sid
FROM snap_people p LEFT JOIN person_school s USING (person_sid)
WHERE p.run_id = $run_id AND p.role = 'teacher'
  AND NOT EXISTS (SELECT 1 FROM snap_memberships m WHERE m.run_id = $run_id AND m.person_sid = p.person_sid);

DROP TABLE person_school;

-- Duplicate emails: the highest role keeps it (teacher, then parent, then student), then the lowest
-- source id; the others cannot get an account with it.
CREATE OR REPLACE TEMP TABLE person_school AS
SELECT person_sid, min(school_sid) AS school_sid FROM snap_school_people WHERE run_id = $run_id GROUP BY ALL;

INSERT INTO record_issues
SELECT $run_id, 'E106', 'error', 'person', person_sid, school_sid
FROM (
    SELECT p.person_sid, s.school_sid,
           row_number() OVER (PARTITION BY p.email
                              ORDER BY CASE p.role WHEN 'teacher' THEN 1 WHEN 'admin' THEN 1
                                                   WHEN 'guardian' THEN 2 ELSE 3 END,
                                       p.person_sid) AS keeps
    FROM snap_people p LEFT JOIN person_school s USING (person_sid)
    WHERE p.run_id = $run_id AND p.email IS NOT NULL
)
WHERE keeps > 1;

-- A new person whose email an existing account of someone else already has.
INSERT INTO record_issues
SELECT $run_id, 'E107', 'error', 'person', p.person_sid, s.school_sid
FROM snap_people p LEFT JOIN person_school s USING (person_sid)
WHERE p.run_id = $run_id AND p.email IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.person_sid = p.person_sid)
  AND EXISTS (SELECT 1 FROM accounts a
              WHERE a.email = p.email AND a.person_sid <> p.person_sid AND a.status <> 'deactivated');

DROP TABLE person_school;
