-- Remind CSV 2.0 source tables (src_*) into the canonical snapshot. Blank strings become NULL.
INSERT INTO snap_schools
SELECT $run_id, trim(school_id), nullif(trim(school_name), '') FROM src_schools;

INSERT INTO snap_people
SELECT $run_id, trim(user_id),
       CASE lower(trim(role)) WHEN 'parent' THEN 'guardian' ELSE lower(trim(role)) END,
       nullif(trim(first_name), ''), nullif(trim(last_name), ''), nullif(lower(trim(email)), ''),
       nullif(trim(phone), ''), nullif(trim(date_of_birth), ''), nullif(trim(grade), ''),
       nullif(trim(student_number), '')
FROM src_users;

INSERT INTO snap_school_people
SELECT DISTINCT $run_id, trim(school_id), trim(user_id) FROM src_school_enrollments;

INSERT INTO snap_classes (run_id, class_sid, school_sid, name, term, period, subject, grade)
SELECT $run_id, trim(class_id), trim(school_id), nullif(trim(class_name), ''), nullif(trim(term), ''),
       nullif(trim(period), ''), NULL, NULL
FROM src_classes;

INSERT INTO snap_memberships (run_id, class_sid, person_sid, role, is_primary)
SELECT $run_id, trim(class_id), trim(user_id), lower(trim(role)), coalesce(lower(trim("primary")) = 'true', false)
FROM src_class_enrollments;

INSERT INTO snap_guardianships
SELECT $run_id, trim(student_id), trim(parent_id), nullif(trim(relationship), ''),
       coalesce(nullif(lower(trim(contact_type)), ''), 'guardian')
FROM src_relationships;
