-- The tables the record checks read, from the run's snapshot alone. Run before the checks'
-- transaction: DuckDB scans a table made inside a transaction on one thread. Each snapshot table is
-- read once here for the checks on its own rows; insert_record_issues then reads the few rows found.

-- Whose school a record's report goes to: a person's own, a guardian's first student's.
CREATE OR REPLACE TEMP TABLE person_school AS
SELECT person_sid, min(school_sid) AS school_sid FROM (
    SELECT person_sid, school_sid FROM snap_school_people WHERE run_id = $run_id
    UNION ALL
    SELECT g.guardian_sid, sp.school_sid
    FROM snap_guardianships g JOIN snap_school_people sp ON sp.run_id = $run_id AND sp.person_sid = g.student_sid
    WHERE g.run_id = $run_id
)
GROUP BY ALL;

-- One role per person: the person's role, once (an id that two files give to two people is one error).
CREATE OR REPLACE TEMP TABLE person_role AS
SELECT person_sid, min(role) AS role, count(*) AS records FROM snap_people WHERE run_id = $run_id GROUP BY ALL;

-- The checks on a person's own fields, one row per record and code it fails (a record given twice is
-- judged twice). Each email and phone is judged once; the codes are listed for the failing rows only.
CREATE OR REPLACE TEMP TABLE person_findings AS
SELECT person_sid,
       unnest(list_filter([CASE WHEN e101 THEN 'E101' END, CASE WHEN e102 THEN 'E102' END,
                           CASE WHEN e105 THEN 'E105' END, CASE WHEN a201 THEN 'A201' END,
                           CASE WHEN a204 THEN 'A204' END, CASE WHEN a205 THEN 'A205' END], c -> c IS NOT NULL)) AS code
FROM (
    SELECT person_sid,
           role = 'teacher' AND NOT email_ok AS e101,  -- a teacher without a usable email
           CASE WHEN role = 'guardian' THEN given_name IS NULL AND family_name IS NULL  -- one name will do
                ELSE given_name IS NULL OR family_name IS NULL END AS e102,
           role = 'guardian' AND NOT email_ok AND NOT phone_ok AS e105,  -- no way to reach a guardian
           role = 'student' AND NOT email_ok AND NOT phone_ok AS a201,
           -- An email or a phone that is not one usable address or number (two addresses, a line break,
           -- a header, letters in a phone): the account is made without it (a teacher's email is E101).
           role <> 'teacher' AND email IS NOT NULL AND NOT email_ok AS a204,
           phone IS NOT NULL AND NOT phone_ok AS a205
    FROM (SELECT person_sid, role, given_name, family_name, email, phone,
                 usable_email(email) AS email_ok, usable_phone(phone) AS phone_ok
          FROM snap_people WHERE run_id = $run_id)
)
WHERE e101 OR e102 OR e105 OR a201 OR a204 OR a205;

-- The checks on an enrollment, in one pass over the memberships: its class unknown (E103), its person
-- unknown (E104), its role not the person's (E109), outside its dates on the run's data date (A206).
-- A row for each class the class id names (a class id given twice is two classes, each reported).
-- The day the run's data stands for (enrollments and classes outside their dates on it: A206).
CREATE OR REPLACE TEMP TABLE run_date AS
SELECT coalesce((SELECT max(data_date) FROM snap_runs WHERE run_id = $run_id), current_date) AS data_date;

CREATE OR REPLACE TEMP TABLE membership_findings AS
SELECT m.class_sid, m.person_sid, c.school_sid,
       c.class_sid IS NULL AS no_class,
       p.person_sid IS NULL AS no_person,
       coalesce(p.records = 1 AND m.role <> p.role, false) AS wrong_role,
       coalesce(m.begin_date > d.data_date OR m.end_date < d.data_date, false) AS out_of_dates
FROM snap_memberships m
CROSS JOIN run_date d
LEFT JOIN snap_classes c ON c.run_id = m.run_id AND c.class_sid = m.class_sid
LEFT JOIN person_role p ON p.person_sid = m.person_sid
WHERE m.run_id = $run_id
  AND (c.class_sid IS NULL OR p.person_sid IS NULL OR (p.records = 1 AND m.role <> p.role)
       OR m.begin_date > d.data_date OR m.end_date < d.data_date);
