-- OneRoster 1.2: users as or_users, their role and schools from roles.csv; the users a delta names;
-- whether people carry over from the last applied run.
-- The role is chosen explicitly, never by the alphabet: the user's primary role; with none, the highest
-- of their other roles, teacher before student before guardian before admin. Two primary roles that
-- are different roles here (a teacher and a student) are a conflict: the user is left out of the
-- snapshot and reported (E111), and the roster keeps what it has of them.
CREATE OR REPLACE TEMP TABLE or_roles AS
SELECT trim(userSourcedId) AS person_sid, lower(trim(role)) AS source_role,
       coalesce(lower(trim(roleType)), '') = 'primary' AS is_primary, trim(orgSourcedId) AS org_id,
       CASE lower(trim(role)) WHEN 'teacher' THEN 'teacher' WHEN 'student' THEN 'student'
            WHEN 'parent' THEN 'guardian' WHEN 'guardian' THEN 'guardian' WHEN 'relative' THEN 'guardian'
            WHEN 'districtadministrator' THEN 'admin' WHEN 'siteadministrator' THEN 'admin'
            WHEN 'principal' THEN 'admin' END AS role,
       CASE lower(trim(role)) WHEN 'teacher' THEN 1 WHEN 'student' THEN 2 WHEN 'parent' THEN 3
            WHEN 'guardian' THEN 3 WHEN 'relative' THEN 3 WHEN 'districtadministrator' THEN 4
            WHEN 'siteadministrator' THEN 4 WHEN 'principal' THEN 4 ELSE 9 END AS precedence
FROM src_roles
WHERE coalesce(lower(trim(status)), '') NOT IN ('tobedeleted', 'inactive');

CREATE OR REPLACE TEMP TABLE or_role_choice AS
SELECT person_sid,
       first(source_role ORDER BY is_primary DESC, precedence, source_role) AS source_role,
       count(DISTINCT role) FILTER (WHERE is_primary AND role IS NOT NULL) > 1 AS conflict,
       string_agg(DISTINCT role, ',' ORDER BY role) FILTER (WHERE is_primary AND role IS NOT NULL) AS primary_roles
FROM or_roles GROUP BY person_sid;

INSERT INTO snap_rejects
SELECT $run_id, 'E111', 'person', person_sid, NULL, NULL, 'roles: primary ' || primary_roles
FROM or_role_choice WHERE conflict;

CREATE OR REPLACE TEMP TABLE or_users AS
SELECT trim(u.sourcedId) AS person_sid,
       CASE r.source_role WHEN 'student' THEN 'student' WHEN 'teacher' THEN 'teacher'
            WHEN 'parent' THEN 'guardian' WHEN 'guardian' THEN 'guardian' WHEN 'relative' THEN 'guardian'
            WHEN 'districtadministrator' THEN 'admin' WHEN 'siteadministrator' THEN 'admin'
            WHEN 'principal' THEN 'admin' END AS role,
       r.source_role,
       nullif(trim(u.givenName), '') AS given_name, nullif(trim(u.familyName), '') AS family_name,
       nullif(lower(trim(u.email)), '') AS email, coalesce(nullif(trim(u.sms), ''), nullif(trim(u.phone), '')) AS phone,
       nullif(trim(split_part(u.grades, ',', 1)), '') AS grade, nullif(trim(u.identifier), '') AS student_number,
       (SELECT string_agg(o.org_id, ',') FROM or_roles o WHERE o.person_sid = trim(u.sourcedId)) AS org_ids,
       u.agentSourcedIds AS agent_ids
FROM src_users u
LEFT JOIN or_role_choice r ON r.person_sid = trim(u.sourcedId)
WHERE coalesce(lower(trim(u.enabledUser)), 'true') <> 'false' AND coalesce(lower(trim(u.status)), '') NOT IN ('tobedeleted', 'inactive')
  AND NOT coalesce(r.conflict, false);

CREATE OR REPLACE TEMP TABLE or_named_users AS SELECT trim(sourcedId) FROM src_users UNION SELECT trim(userSourcedId) FROM src_roles;

CREATE OR REPLACE TEMP TABLE or_people_delta AS SELECT ($delta_users OR $delta_roles) AS carried;

DROP TABLE or_role_choice;
