-- OneRoster 1.2: users as or_users, their role and schools from roles.csv (the primary role wins); the
-- users a delta names; whether people carry over from the last applied run.
CREATE OR REPLACE TEMP TABLE or_roles AS
SELECT trim(userSourcedId) AS person_sid, lower(trim(role)) AS source_role,
       coalesce(lower(trim(roleType)), '') = 'primary' AS is_primary, trim(orgSourcedId) AS org_id
FROM src_roles
WHERE coalesce(lower(trim(status)), '') <> 'tobedeleted';

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
LEFT JOIN (
    SELECT person_sid, first(source_role ORDER BY is_primary DESC, source_role) AS source_role
    FROM or_roles GROUP BY person_sid
) r ON r.person_sid = trim(u.sourcedId)
WHERE coalesce(lower(trim(u.enabledUser)), 'true') <> 'false' AND coalesce(lower(trim(u.status)), '') <> 'tobedeleted';

CREATE OR REPLACE TEMP TABLE or_named_users AS SELECT trim(sourcedId) FROM src_users UNION SELECT trim(userSourcedId) FROM src_roles;

CREATE OR REPLACE TEMP TABLE or_people_delta AS SELECT ($delta_users OR $delta_roles) AS carried;
