-- Remind CSV 1.0 source tables (src_*) into the canonical snapshot. Blank strings become NULL.
-- Guardians have no id: their key is derived from their normalised contact, so siblings share one.
INSERT INTO snap_schools
SELECT $run_id, trim(school_id), nullif(trim(school_name), '') FROM src_schools;

INSERT INTO snap_people
SELECT $run_id, trim(teacher_id), 'teacher', nullif(trim(first_name), ''), nullif(trim(last_name), ''),
       nullif(lower(trim(email)), ''), nullif(trim(phone), ''), NULL, NULL, NULL
FROM src_teachers;

INSERT INTO snap_school_people
SELECT DISTINCT $run_id, trim(school_id), trim(teacher_id) FROM src_teachers;

INSERT INTO snap_people
SELECT $run_id, trim(student_id), 'student', any_value(nullif(trim(first_name), '')),
       any_value(nullif(trim(last_name), '')), any_value(nullif(lower(trim(email)), '')),
       any_value(nullif(trim(phone), '')), any_value(nullif(trim(date_of_birth), '')),
       any_value(nullif(trim(grade), '')), NULL
FROM src_students
GROUP BY trim(student_id);

INSERT INTO snap_school_people
SELECT DISTINCT $run_id, trim(school_id), trim(student_id) FROM src_students;

CREATE OR REPLACE TEMP TABLE v1_guardians AS
SELECT trim(student_id) AS student_sid,
       'g-' || left(md5(CASE
           WHEN nullif(trim(guardian_email), '') IS NOT NULL THEN 'email:' || lower(trim(guardian_email))
           WHEN nullif(regexp_replace(guardian_phone, '[^0-9]', '', 'g'), '') IS NOT NULL
               THEN 'phone:' || regexp_replace(guardian_phone, '[^0-9]', '', 'g')
           ELSE 'name:' || lower(trim(guardian_first_name)) || '|' || lower(trim(guardian_last_name))
                || '|' || trim(student_id)
       END), 16) AS guardian_sid,
       nullif(trim(guardian_first_name), '') AS given_name, nullif(trim(guardian_last_name), '') AS family_name,
       nullif(lower(trim(guardian_email)), '') AS email, nullif(trim(guardian_phone), '') AS phone,
       nullif(trim(guardian_relationship), '') AS relationship
FROM src_students
WHERE coalesce(trim(guardian_first_name), '') || coalesce(trim(guardian_last_name), '')
      || coalesce(trim(guardian_email), '') || coalesce(trim(guardian_phone), '') <> '';

INSERT INTO snap_people
SELECT $run_id, guardian_sid, 'guardian', any_value(given_name), any_value(family_name), any_value(email),
       any_value(phone), NULL, NULL, NULL
FROM v1_guardians
GROUP BY guardian_sid;

INSERT INTO snap_guardianships
SELECT DISTINCT $run_id, student_sid, guardian_sid, relationship, 'guardian' FROM v1_guardians;

INSERT INTO snap_classes (run_id, class_sid, school_sid, name, term, period, subject, grade)
SELECT $run_id, trim(class_id), trim(school_id), nullif(trim(class_name), ''), NULL, NULL, NULL, NULL
FROM src_classes;

INSERT INTO snap_memberships (run_id, class_sid, person_sid, role, is_primary)
SELECT $run_id, trim(class_id), trim(teacher_id), 'teacher', true
FROM src_classes WHERE nullif(trim(teacher_id), '') IS NOT NULL;

INSERT INTO snap_memberships (run_id, class_sid, person_sid, role, is_primary)
SELECT DISTINCT $run_id, trim(class_id), trim(student_id), 'student', false FROM src_enrollments;

DROP TABLE v1_guardians;
