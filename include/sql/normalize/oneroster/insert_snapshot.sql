-- OneRoster 1.1 and 1.2 source tables (src_*) into the canonical snapshot, after the version's
-- create_users.sql made or_users, or_named_users and or_people_delta.
-- Only orgs of type school are schools; disabled users (enabledUser false) are left out; an
-- enrollment repeated per term is one membership; agentSourcedIds link students and guardians.
CREATE OR REPLACE TEMP TABLE or_schools AS
SELECT trim(sourcedId) AS school_sid, nullif(trim(name), '') AS name FROM src_orgs
WHERE lower(trim(type)) = 'school' AND coalesce(lower(trim(status)), '') NOT IN ('tobedeleted', 'inactive');

INSERT INTO snap_schools SELECT $run_id, school_sid, name FROM or_schools;

-- Delta files name only what changed: everything else is carried from the last applied run ($prev_run).
INSERT INTO snap_schools
SELECT $run_id, school_sid, name FROM snap_schools
WHERE $delta_orgs AND run_id = $prev_run AND school_sid NOT IN (SELECT trim(sourcedId) FROM src_orgs);

INSERT INTO snap_people
SELECT $run_id, u.person_sid, u.role, u.given_name, u.family_name, u.email, u.phone,
       nullif(trim(d.birthDate), ''), u.grade, u.student_number
FROM or_users u LEFT JOIN src_demographics d ON trim(d.sourcedId) = u.person_sid
WHERE u.role IS NOT NULL;


INSERT INTO snap_people
SELECT $run_id, person_sid, role, given_name, family_name, email, phone, birth_date, grade, student_number
FROM snap_people
WHERE (SELECT carried FROM or_people_delta) AND run_id = $prev_run AND person_sid NOT IN (SELECT * FROM or_named_users);

INSERT INTO snap_school_people
SELECT $run_id, school_sid, person_sid FROM snap_school_people
WHERE (SELECT carried FROM or_people_delta) AND run_id = $prev_run AND person_sid NOT IN (SELECT * FROM or_named_users)
  AND school_sid IN (SELECT school_sid FROM snap_schools WHERE run_id = $run_id);

INSERT INTO snap_school_people
SELECT DISTINCT $run_id, trim(org.id), u.person_sid
FROM or_users u, unnest(string_split(coalesce(u.org_ids, ''), ',')) AS org(id)
WHERE u.role IS NOT NULL AND trim(org.id) IN (SELECT school_sid FROM snap_schools WHERE run_id = $run_id);

-- Dates as OneRoster writes them (YYYY-MM-DD, or a date-time whose first ten characters are the date);
-- one that cannot be read is no date (open-ended).
CREATE OR REPLACE TEMP MACRO or_date(x) AS try_cast(left(nullif(trim(x), ''), 10) AS DATE);

-- A class ends with the last of its terms (academicSessions endDate); with a term unknown or undated,
-- or no academicSessions.csv, it has no end. The plan archives a class past its end on the data date.
INSERT INTO snap_classes (run_id, class_sid, school_sid, name, term, period, subject, grade, end_date)
SELECT $run_id, trim(c.sourcedId), trim(c.schoolSourcedId), nullif(trim(c.title), ''),
       nullif(trim(c.termSourcedIds), ''), nullif(trim(c.periods), ''), nullif(trim(c.subjects), ''),
       nullif(trim(split_part(c.grades, ',', 1)), ''),
       (SELECT CASE WHEN count(*) = 0 OR bool_or(or_date(a.endDate) IS NULL) THEN NULL
                    ELSE max(or_date(a.endDate)) END
        FROM unnest(string_split(nullif(trim(c.termSourcedIds), ''), ',')) AS t(id)
        LEFT JOIN src_academicSessions a
               ON trim(a.sourcedId) = trim(t.id)
              AND coalesce(lower(trim(a.status)), '') NOT IN ('tobedeleted', 'inactive'))
FROM src_classes c
WHERE coalesce(lower(trim(c.status)), '') NOT IN ('tobedeleted', 'inactive');

INSERT INTO snap_classes (run_id, class_sid, school_sid, name, term, period, subject, grade, end_date)
SELECT $run_id, class_sid, school_sid, name, term, period, subject, grade, end_date FROM snap_classes
WHERE $delta_classes AND run_id = $prev_run AND class_sid NOT IN (SELECT trim(sourcedId) FROM src_classes);

-- One membership per class and person (an enrollment repeated once per term), from the first of its
-- rows' begin dates to the last of their end dates (a row without one leaves that side open). The plan
-- counts it only while the data date is inside.
INSERT INTO snap_memberships (run_id, class_sid, person_sid, role, is_primary, begin_date, end_date)
SELECT $run_id, trim(classSourcedId), trim(userSourcedId), lower(trim(role)),
       bool_or(coalesce(lower(trim("primary")), '') = 'true'),
       CASE WHEN bool_or(or_date(beginDate) IS NULL) THEN NULL ELSE min(or_date(beginDate)) END,
       CASE WHEN bool_or(or_date(endDate) IS NULL) THEN NULL ELSE max(or_date(endDate)) END
FROM src_enrollments
WHERE lower(trim(role)) IN ('student', 'teacher') AND coalesce(lower(trim(status)), '') NOT IN ('tobedeleted', 'inactive')
GROUP BY 1, 2, 3, 4;

INSERT INTO snap_memberships (run_id, class_sid, person_sid, role, is_primary, begin_date, end_date)
SELECT $run_id, m.class_sid, m.person_sid, m.role, m.is_primary, m.begin_date, m.end_date FROM snap_memberships m
WHERE $delta_enrollments AND m.run_id = $prev_run
  AND NOT EXISTS (SELECT 1 FROM src_enrollments e
                  WHERE trim(e.classSourcedId) = m.class_sid AND trim(e.userSourcedId) = m.person_sid)
  AND m.class_sid IN (SELECT class_sid FROM snap_classes WHERE run_id = $run_id)
  AND m.person_sid IN (SELECT person_sid FROM snap_people WHERE run_id = $run_id);

-- A student lists their guardians, or a guardian their students: either side links the pair (the
-- other side may be carried from the previous run in a delta, so roles are read from the snapshot).
INSERT INTO snap_guardianships
SELECT $run_id, student_sid, guardian_sid, any_value(relationship), 'guardian' FROM (
    SELECT s.person_sid AS student_sid, g.person_sid AS guardian_sid, coalesce(gu.source_role, 'guardian') AS relationship
    FROM or_users s, unnest(string_split(coalesce(s.agent_ids, ''), ',')) AS a(id)
    JOIN snap_people g ON g.run_id = $run_id AND g.person_sid = trim(a.id) AND g.role = 'guardian'
    LEFT JOIN or_users gu ON gu.person_sid = g.person_sid
    WHERE s.role = 'student'
    UNION ALL
    SELECT s.person_sid, g.person_sid, g.source_role
    FROM or_users g, unnest(string_split(coalesce(g.agent_ids, ''), ',')) AS a(id)
    JOIN snap_people s ON s.run_id = $run_id AND s.person_sid = trim(a.id) AND s.role = 'student'
    WHERE g.role = 'guardian'
    UNION ALL
    SELECT student_sid, guardian_sid, relationship FROM snap_guardianships
    WHERE (SELECT carried FROM or_people_delta) AND run_id = $prev_run
      AND student_sid NOT IN (SELECT * FROM or_named_users) AND guardian_sid NOT IN (SELECT * FROM or_named_users)
      AND student_sid IN (SELECT person_sid FROM snap_people WHERE run_id = $run_id)
      AND guardian_sid IN (SELECT person_sid FROM snap_people WHERE run_id = $run_id)
)
GROUP BY student_sid, guardian_sid;

DROP TABLE or_schools; DROP TABLE or_users; DROP TABLE or_named_users; DROP TABLE or_people_delta;
DROP TABLE IF EXISTS or_roles;
DROP MACRO or_date;
