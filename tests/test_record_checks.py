"""The record checks' exact rows on a snapshot built to meet every check, and the cases where a row is
met more than once (an id given to two records, a class id given to two classes, an enrollment listed
twice): which rows a check reports, how many times, and which school each report goes to."""

from datetime import date

from rostersync import quality, store

PEOPLE = [  # person_sid, role, given_name, family_name, email, phone
    ("T1", "teacher", "Tea", "Cher", "t1@school.org", None),
    ("T2", "teacher", "No", "Mail", "nope", None),  # E101; no class: A203
    ("T3", "teacher", None, "Nameless", None, None),  # E101, E102
    ("S1", "student", "Stu", "Dent", None, None),  # A201
    ("S2", "student", "Two", "Mails", "a@b.org c@d.org", "555-0100"),  # A204
    ("S3", "student", "Bad", "Phone", "s3@home.org", "call me"),  # A205
    ("S4", "student", "Wrong", "Role", "s4@home.org", None),  # enrolled as a teacher: E109
    ("S5", "student", "Also", "Wrong", "s5@home.org", None),  # a teacher of a class id given twice: E109 x2
    ("G1", "guardian", None, None, None, None),  # E102, E105; school through S1
    ("G2", "guardian", None, "Shares", "t1@school.org", None),  # the teacher's email: E106
    ("G3", "guardian", "Gu", "Ardian", "g3@home.org", "555-0101"),
    ("D1", "student", "Dup", "One", "d1@home.org", None),  # one id, two records: E108
    ("D1", "teacher", "Dup", "Two", "bad", None),  # E101 for this record
    ("N1", "student", "New", "Comer", "taken@home.org", None),  # an account of someone else has it: E107
    ("N2", "student", "Old", "Hand", "n2@home.org", None),
]
SCHOOL_PEOPLE = [
    ("K1", "T1"),
    ("K1", "S1"),
    ("K2", "S1"),
    ("K2", "S2"),
    ("K1", "S3"),
    ("K1", "S4"),
    ("K2", "S5"),
    ("K1", "D1"),
    ("K2", "N1"),
    ("K1", "N2"),
    ("K2", "T2"),
]
CLASSES = [  # class_sid, school_sid, end_date
    ("C1", "K1", None),
    ("C2", "K1", None),  # no student: A202
    ("C9", "K1", None),  # one class id, two classes: E108
    ("C9", "K2", None),
    ("OLD", "K2", date(2026, 6, 30)),  # its terms are over: A206
]
MEMBERSHIPS = [  # class_sid, person_sid, role, begin_date, end_date
    ("C1", "T1", "teacher", None, None),
    ("C1", "S1", "student", None, None),
    ("C1", "S4", "teacher", None, None),
    ("C1", "S4", "teacher", None, None),  # the same enrollment twice: E109 once
    ("C1", "GHOST", "student", None, None),  # no such person: E104
    ("C9", "GHOST2", "student", None, None),  # E104 for each of the two C9s
    ("C9", "S5", "teacher", None, None),
    ("C9", "S2", "student", None, None),
    ("C9", "D1", "student", None, None),  # two records under the id: E108 only
    ("NOPE", "S1", "student", None, None),  # no such class: E103, at S1's school
    ("NOPE", "GHOST3", "student", None, None),  # no class, no person: E103 and E104
    ("C1", "S3", "student", date(2026, 6, 1), date(2026, 6, 30)),  # ended: A206
    ("C1", "N2", "student", date(2027, 1, 5), None),  # not begun: A206
    ("OLD", "S2", "student", None, None),
]
GUARDIANSHIPS = [("S1", "G1"), ("S1", "T1"), ("G3", "S2"), ("S2", "G3"), ("S3", "GHOST4")]  # the last two: none


def _snapshot(conn):
    conn.execute("INSERT INTO snap_runs VALUES ('r1', DATE '2026-11-24')")
    conn.executemany(
        "INSERT INTO snap_people (run_id, person_sid, role, given_name, family_name, email, phone) "
        "VALUES ('r1', ?, ?, ?, ?, ?, ?)",
        PEOPLE,
    )
    conn.executemany("INSERT INTO snap_school_people VALUES ('r1', ?, ?)", SCHOOL_PEOPLE)
    conn.executemany(
        "INSERT INTO snap_classes (run_id, class_sid, school_sid, end_date) VALUES ('r1', ?, ?, ?)", CLASSES
    )
    conn.executemany(
        "INSERT INTO snap_memberships (run_id, class_sid, person_sid, role, is_primary, begin_date, "
        "end_date) VALUES ('r1', ?, ?, ?, false, ?, ?)",
        MEMBERSHIPS,
    )
    conn.executemany(
        "INSERT INTO snap_guardianships (run_id, student_sid, guardian_sid) VALUES ('r1', ?, ?)", GUARDIANSHIPS
    )
    conn.execute("INSERT INTO snap_rejects VALUES ('r1', 'E111', 'person', 'BAD1', NULL, 'K1', 'role')")
    conn.execute(
        "INSERT INTO accounts (account_id, person_sid, role, email, status) VALUES "
        "(1, 'OTHER', 'guardian', 'taken@home.org', 'active'), (2, 'N2', 'student', 'n2@home.org', 'active'), "
        "(3, 'GONE', 'student', 'd1@home.org', 'deactivated')"
    )


EXPECTED = [  # in ORDER BY ALL order: code, severity, entity, key, school_sid, other_key
    ("A201", "alert", "person", "S1", "K1", None),
    ("A202", "alert", "class", "C2", "K1", None),
    ("A203", "alert", "person", "T2", "K2", None),
    ("A203", "alert", "person", "T3", None, None),
    ("A204", "alert", "person", "S2", "K2", None),
    ("A205", "alert", "person", "S3", "K1", None),
    ("A206", "alert", "class", "OLD", "K2", None),
    ("A206", "alert", "membership", "C1", "K1", "N2"),
    ("A206", "alert", "membership", "C1", "K1", "S3"),
    ("E101", "error", "person", "D1", "K1", None),
    ("E101", "error", "person", "T2", "K2", None),
    ("E101", "error", "person", "T3", None, None),
    ("E102", "error", "person", "G1", "K1", None),
    ("E102", "error", "person", "T3", None, None),
    ("E103", "error", "membership", "NOPE", "K1", "S1"),
    ("E103", "error", "membership", "NOPE", None, "GHOST3"),
    ("E104", "error", "membership", "C1", "K1", "GHOST"),
    ("E104", "error", "membership", "C9", "K1", "GHOST2"),
    ("E104", "error", "membership", "C9", "K2", "GHOST2"),
    ("E104", "error", "membership", "NOPE", None, "GHOST3"),
    ("E105", "error", "person", "G1", "K1", None),
    ("E106", "error", "person", "G2", None, None),
    ("E107", "error", "person", "N1", "K2", None),
    ("E108", "error", "class", "C9", "K1", None),
    ("E108", "error", "person", "D1", "K1", None),
    ("E109", "error", "membership", "C1", "K1", "S4"),
    ("E109", "error", "membership", "C9", "K1", "S5"),
    ("E109", "error", "membership", "C9", "K2", "S5"),
    ("E110", "error", "guardianship", "G3", "K2", "S2"),  # a guardian named as the student
    ("E110", "error", "guardianship", "S1", "K1", "T1"),  # a teacher named as the guardian
    ("E111", "error", "person", "BAD1", "K1", None),
]


def test_each_check_reports_the_rows_it_meets_as_often_as_it_meets_them():
    with store.scratch() as conn:
        _snapshot(conn)
        quality.find_record_issues(conn, "r1")
        found = conn.execute(
            "SELECT code, severity, entity, key, school_sid, other_key FROM record_issues WHERE run_id = 'r1' "
            "ORDER BY ALL"
        ).fetchall()
    assert found == EXPECTED
