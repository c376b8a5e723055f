-- OneRoster 1.1: users (role and schools in users.csv) as or_users; the users a delta names; whether
-- people carry over from the last applied run (users.csv is delta, or absent in a delta package).
CREATE OR REPLACE TEMP TABLE or_users AS
SELECT trim(sourcedId) AS person_sid,
       CASE lower(trim(role)) WHEN 'student' THEN 'student' WHEN 'teacher' THEN 'teacher'
            WHEN 'parent' THEN 'guardian' WHEN 'guardian' THEN 'guardian' WHEN 'relative' THEN 'guardian'
            WHEN 'administrator' THEN 'admin' END AS role,
       lower(trim(role)) AS source_role,
       nullif(trim(givenName), '') AS given_name, nullif(trim(familyName), '') AS family_name,
       nullif(lower(trim(email)), '') AS email, coalesce(nullif(trim(sms), ''), nullif(trim(phone), '')) AS phone,
       nullif(trim(split_part(grades, ',', 1)), '') AS grade, nullif(trim(identifier), '') AS student_number,
       orgSourcedIds AS org_ids, agentSourcedIds AS agent_ids
FROM src_users
WHERE coalesce(lower(trim(enabledUser)), 'true') <> 'false' AND coalesce(lower(trim(status)), '') NOT IN ('tobedeleted', 'inactive');

CREATE OR REPLACE TEMP TABLE or_named_users AS SELECT trim(sourcedId) FROM src_users;

CREATE OR REPLACE TEMP TABLE or_people_delta AS SELECT $delta_users AS carried;
