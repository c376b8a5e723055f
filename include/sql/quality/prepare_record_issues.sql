-- The per-person tables the record checks join to, from the run's snapshot alone. Run before the checks'
-- transaction: DuckDB scans a table made inside a transaction on one thread.

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
