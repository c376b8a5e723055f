-- Clever Data API v3 records (src_schools, src_users, src_sections: one JSON record a row) into the
-- canonical snapshot. A person holding several roles is synced in the highest: teacher, student,
-- contact (a guardian), then district_admin/staff (an admin, no account). Contacts keep their
-- relationship type: Emergency and Secondary contacts are held for review (holds stage).
INSERT INTO snap_schools
SELECT $run_id, rec->>'id', coalesce(nullif(trim(rec->>'name'), ''), 'School ' || (rec->>'id')) FROM src_schools;

-- No schools shared: the schools are those the sections name (a school without sections has nothing to sync).
INSERT INTO snap_schools
SELECT DISTINCT $run_id, rec->>'school', 'School ' || (rec->>'school')
FROM src_sections
WHERE NOT EXISTS (SELECT 1 FROM src_schools) AND (rec->>'school') IS NOT NULL;

CREATE OR REPLACE TEMP TABLE cl_users AS
SELECT rec->>'id' AS person_sid, rec->'roles' AS roles, rec,
       CASE WHEN (rec->'roles'->'teacher') IS NOT NULL THEN 'teacher'
            WHEN (rec->'roles'->'student') IS NOT NULL THEN 'student'
            WHEN (rec->'roles'->'contact') IS NOT NULL THEN 'guardian'
            WHEN (rec->'roles'->'district_admin') IS NOT NULL OR (rec->'roles'->'staff') IS NOT NULL THEN 'admin'
       END AS role,
       coalesce(rec->'roles'->'teacher', rec->'roles'->'student') AS school_role
FROM src_users;

INSERT INTO snap_people
SELECT $run_id, person_sid, role,
       nullif(trim(rec->'name'->>'first'), ''), nullif(trim(rec->'name'->>'last'), ''),
       nullif(lower(trim(rec->>'email')), ''),
       CASE WHEN role = 'guardian' THEN nullif(trim(roles->'contact'->>'phone'), '') END,
       CASE WHEN role = 'student' THEN coalesce(  -- Clever writes M/D/YYYY; the snapshot keeps ISO dates
           strftime(try_strptime(trim(roles->'student'->>'dob'), '%m/%d/%Y'), '%Y-%m-%d'),
           nullif(trim(roles->'student'->>'dob'), '')) END,
       CASE WHEN role = 'student' THEN nullif(trim(roles->'student'->>'grade'), '') END,
       CASE WHEN role = 'student' THEN nullif(trim(roles->'student'->>'student_number'), '') END
FROM cl_users
WHERE role IS NOT NULL;

INSERT INTO snap_school_people
SELECT DISTINCT $run_id, school.id, u.person_sid
FROM cl_users u,
     unnest(from_json(coalesce(u.school_role->'schools', '[]'), '["VARCHAR"]')
            || [u.school_role->>'school']) AS school(id)
WHERE u.role IN ('teacher', 'student')
  AND school.id IN (SELECT school_sid FROM snap_schools WHERE run_id = $run_id);

INSERT INTO snap_classes
SELECT $run_id, rec->>'id', rec->>'school', nullif(trim(rec->>'name'), ''), nullif(rec->>'term_id', ''),
       nullif(trim(rec->>'period'), ''), nullif(trim(rec->>'subject'), ''), nullif(trim(rec->>'grade'), '')
FROM src_sections;

INSERT INTO snap_memberships
SELECT $run_id, class_sid, person_sid, 'teacher', bool_or(is_primary)
FROM (
    SELECT rec->>'id' AS class_sid, teacher.id AS person_sid, teacher.id = (rec->>'teacher') AS is_primary
    FROM src_sections,
         unnest(from_json(coalesce(rec->'teachers', '[]'), '["VARCHAR"]') || [rec->>'teacher']) AS teacher(id)
    WHERE teacher.id IS NOT NULL
)
GROUP BY ALL;

INSERT INTO snap_memberships
SELECT DISTINCT $run_id, rec->>'id', student.id, 'student', false
FROM src_sections, unnest(from_json(coalesce(rec->'students', '[]'), '["VARCHAR"]')) AS student(id);

INSERT INTO snap_guardianships
SELECT $run_id, r->>'student', any_value(u.person_sid), any_value(nullif(r->>'relationship', '')),
       CASE lower(any_value(r->>'type'))
           WHEN 'emergency' THEN 'emergency' WHEN 'secondary' THEN 'secondary'
           WHEN 'parent/guardian' THEN 'guardian' WHEN 'primary' THEN 'guardian' WHEN 'family' THEN 'guardian'
           ELSE 'other' END
FROM cl_users u,
     unnest(from_json(coalesce(u.roles->'contact'->'student_relationships', '[]'), '["JSON"]')) AS rel(r)
WHERE u.role = 'guardian'
GROUP BY r->>'student', u.person_sid;

DROP TABLE cl_users;
