-- Clever Data API v3 records (src_schools, src_users, src_sections: one JSON record a row) into the
-- canonical snapshot. A person holding several roles is synced in the highest: teacher, student,
-- contact (a guardian), then district_admin/staff (an admin, no account). Contacts keep their
-- relationship type: Emergency and Secondary contacts are held for review (holds stage).
--
-- Every user and section is first checked against the shape the sync reads (ids are strings, lists are
-- lists of ids, names are objects, a section has a school, a user has a role). A record that fails is
-- left out and named in snap_rejects (E113, with the field): the roster keeps what it has of it. A record
-- whose own id is unreadable is known by the id at the end of its `uri`, when that one is readable.
CREATE OR REPLACE MACRO cl_id_ok(v) AS coalesce(json_type(v) = 'VARCHAR' AND regexp_full_match(v->>'$', '[!-~]{1,255}'), false);
CREATE OR REPLACE MACRO cl_ids_ok(v) AS
    coalesce(json_type(v) = 'ARRAY'
             AND coalesce(list_bool_and(list_transform(from_json(v, '["JSON"]'), lambda x: cl_id_ok(x))), true), false);
CREATE OR REPLACE MACRO cl_optional(v, kind) AS v IS NULL OR json_type(v) IN (kind, 'NULL');

CREATE OR REPLACE MACRO cl_key(rec, uri) AS
    CASE WHEN cl_id_ok(rec->'id') THEN rec->>'id'
         WHEN regexp_full_match(coalesce(uri, ''), '.*/[!-.0-~]{1,255}') THEN regexp_extract(uri, '/([^/]+)$', 1)
         ELSE coalesce(rec->>'id', '') END;

CREATE OR REPLACE TEMP TABLE cl_checked_sections AS
SELECT rec, cl_key(rec, uri) AS sid,
       CASE WHEN NOT cl_id_ok(rec->'id') THEN 'id'
            WHEN NOT cl_id_ok(rec->'school') THEN 'school'
            WHEN NOT cl_ids_ok(rec->'students') THEN 'students'
            WHEN NOT cl_ids_ok(rec->'teachers') THEN 'teachers'
            WHEN NOT ((rec->'teacher') IS NULL OR json_type(rec->'teacher') = 'NULL' OR cl_id_ok(rec->'teacher'))
                THEN 'teacher'
            WHEN NOT cl_optional(rec->'name', 'VARCHAR') THEN 'name'
       END AS problem
FROM src_sections;

CREATE OR REPLACE TEMP TABLE cl_checked_users AS
SELECT rec, cl_key(rec, uri) AS sid,
       CASE WHEN NOT cl_id_ok(rec->'id') THEN 'id'
            WHEN coalesce(json_type(rec->'roles'), '') <> 'OBJECT'
                 OR NOT list_has_any(json_keys(rec->'roles'), ['teacher', 'student', 'contact', 'district_admin', 'staff'])
                THEN 'roles'
            WHEN NOT cl_optional(rec->'name', 'OBJECT') THEN 'name'
            WHEN NOT (cl_optional(rec->'name'->'first', 'VARCHAR') AND cl_optional(rec->'name'->'last', 'VARCHAR'))
                THEN 'name'
            WHEN NOT cl_optional(rec->'email', 'VARCHAR') THEN 'email'
            WHEN NOT ((rec->'roles'->'teacher'->'school') IS NULL OR cl_id_ok(rec->'roles'->'teacher'->'school')
                      OR json_type(rec->'roles'->'teacher'->'school') = 'NULL') THEN 'roles.teacher.school'
            WHEN NOT ((rec->'roles'->'teacher'->'schools') IS NULL OR cl_ids_ok(rec->'roles'->'teacher'->'schools'))
                THEN 'roles.teacher.schools'
            WHEN NOT ((rec->'roles'->'student'->'school') IS NULL OR cl_id_ok(rec->'roles'->'student'->'school')
                      OR json_type(rec->'roles'->'student'->'school') = 'NULL') THEN 'roles.student.school'
            WHEN NOT ((rec->'roles'->'student'->'schools') IS NULL OR cl_ids_ok(rec->'roles'->'student'->'schools'))
                THEN 'roles.student.schools'
            WHEN NOT ((rec->'roles'->'contact'->'student_relationships') IS NULL
                      OR (json_type(rec->'roles'->'contact'->'student_relationships') = 'ARRAY'
                          AND coalesce(list_bool_and(list_transform(
                                  from_json(rec->'roles'->'contact'->'student_relationships', '["JSON"]'),
                                  lambda r: json_type(r) = 'OBJECT' AND cl_id_ok(r->'student'))), true)))
                THEN 'roles.contact.student_relationships'
       END AS problem
FROM src_users;

INSERT INTO snap_rejects
SELECT $run_id, 'E113', 'class', sid, NULL, CASE WHEN cl_id_ok(rec->'school') THEN rec->>'school' END, problem
FROM cl_checked_sections WHERE problem IS NOT NULL;

INSERT INTO snap_rejects
SELECT $run_id, 'E113', 'person', sid, NULL, NULL, problem FROM cl_checked_users WHERE problem IS NOT NULL;

CREATE OR REPLACE TEMP TABLE src_sections AS SELECT rec FROM cl_checked_sections WHERE problem IS NULL;
CREATE OR REPLACE TEMP TABLE src_users AS SELECT rec FROM cl_checked_users WHERE problem IS NULL;
DROP TABLE cl_checked_sections; DROP TABLE cl_checked_users;

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

INSERT INTO snap_classes (run_id, class_sid, school_sid, name, term, period, subject, grade)
SELECT $run_id, rec->>'id', rec->>'school', nullif(trim(rec->>'name'), ''), nullif(rec->>'term_id', ''),
       nullif(trim(rec->>'period'), ''), nullif(trim(rec->>'subject'), ''), nullif(trim(rec->>'grade'), '')
FROM src_sections;

INSERT INTO snap_memberships (run_id, class_sid, person_sid, role, is_primary)
SELECT $run_id, class_sid, person_sid, 'teacher', bool_or(is_primary)
FROM (
    SELECT rec->>'id' AS class_sid, teacher.id AS person_sid, teacher.id = (rec->>'teacher') AS is_primary
    FROM src_sections,
         unnest(from_json(coalesce(rec->'teachers', '[]'), '["VARCHAR"]') || [rec->>'teacher']) AS teacher(id)
    WHERE teacher.id IS NOT NULL
)
GROUP BY ALL;

INSERT INTO snap_memberships (run_id, class_sid, person_sid, role, is_primary)
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
DROP MACRO cl_key; DROP MACRO cl_id_ok; DROP MACRO cl_ids_ok; DROP MACRO cl_optional;
