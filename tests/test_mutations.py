"""A property over random small districts and one random mutation of the next upload: the run stops before
the apply, or a hold names the school the mutation touched, or what is applied is what the mutation
implies; and never does a skipped record, or anything still in the upload, get removed."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from roster_helpers import Upload, config, small_district
from rostersync import apply, gate, pipeline, store
from rostersync.format_check import FormatCheckFailed

STOPS = "stops"
HOLDS = "holds"
NOTHING = "nothing"
APPLIES = "applies"


@dataclass(frozen=True)
class Mutation:
    name: str
    change: Callable[[Upload, int], object]
    """Changes the Upload (rows) in place, or returns a function over the written folder (bytes)."""
    expect: str
    detail: str | tuple[str, ...] = ""
    """STOPS: the format error codes; HOLDS: the hold reasons; APPLIES: the counts it implies."""


def _users(up: Upload, role: str) -> list[int]:
    return [i for i, u in enumerate(up.users) if u[1] == role]


def _set(up: Upload, i: int, column: int, value: str) -> None:
    row = list(up.users[i])
    row[column] = value
    up.users[i] = tuple(row)


def blank_last_name(up, n):
    _set(up, _users(up, "student")[n % len(_users(up, "student"))], 3, "")


def blank_id(up, n):
    up.classes[n % len(up.classes)] = ("", *up.classes[n % len(up.classes)][1:])


def swap_email_and_phone(up, n):
    up.users = [(*u[:4], u[5], u[4], *u[6:]) for u in up.users]


def duplicate_row(up, n):
    up.users.append(up.users[n % len(up.users)])


def bytes_change(change):
    def mutate(up, n):
        return change

    return mutate


def cr_line_endings(folder: Path) -> None:
    for f in folder.iterdir():
        f.write_bytes(f.read_bytes().replace(b"\n", b"\r"))


def mixed_line_endings(folder: Path) -> None:
    path = folder / "users.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n", 2))


def control_character(folder: Path) -> None:
    path = folder / "users.csv"
    path.write_bytes(path.read_bytes().replace(b"Stu", b"St\x07u", 1))


def bom_inside(folder: Path) -> None:
    path = folder / "classes.csv"
    lines = path.read_bytes().split(b"\n")
    lines[1] = b"\xef\xbb\xbf" + lines[1]
    path.write_bytes(b"\n".join(lines))


def unquoted_comma(folder: Path) -> None:
    path = folder / "users.csv"
    path.write_bytes(path.read_bytes().replace(b",Stu,", b",Stu, Jr,", 1))


def rename_school(up, n):
    old = up.schools[0][0]
    up.schools[0] = ("X" + old, up.schools[0][1])
    up.school_enrollments = [("X" + old if s == old else s, u) for s, u in up.school_enrollments]
    up.classes = [(c[0], "X" + old if c[1] == old else c[1], *c[2:]) for c in up.classes]


def student_as_teacher(up, n):
    students = [e for e in up.class_enrollments if e[2] == "student"]
    pick = students[n % len(students)]
    up.class_enrollments = [(e[0], e[1], "teacher", "true") if e == pick else e for e in up.class_enrollments]


def teacher_as_guardian(up, n):
    student = up.users[_users(up, "student")[n % len(_users(up, "student"))]][0]
    teacher = up.users[_users(up, "teacher")[0]][0]
    up.relationships.append((student, teacher, "Father", "guardian"))


def two_addresses(up, n):
    i = _users(up, "parent")[n % len(_users(up, "parent"))]
    _set(up, i, 4, "a@home.org, b@home.org")


def same_id_twice(up, n):
    student = up.users[_users(up, "student")[n % len(_users(up, "student"))]]
    up.users.append((student[0], "teacher", "Dup", "Licate", "dup@school.org", "", "", "", ""))


def remove_student(up, n):
    sid = up.users[_users(up, "student")[n % len(_users(up, "student"))]][0]
    up.users = [u for u in up.users if u[0] != sid]
    up.school_enrollments = [e for e in up.school_enrollments if e[1] != sid]
    up.class_enrollments = [e for e in up.class_enrollments if e[1] != sid]
    up.relationships = [r for r in up.relationships if r[0] != sid]


def rename_class(up, n):
    i = n % len(up.classes)
    up.classes[i] = (up.classes[i][0], up.classes[i][1], up.classes[i][2] + " II", *up.classes[i][3:])


def empty_enrollments(up, n):
    up.class_enrollments = []


def truncate_users(up, n):
    up.users = up.users[: len(up.users) // 3]


def new_student(up, n):
    school, cls = up.schools[0][0], next(c[0] for c in up.classes if c[1] == up.schools[0][0])
    up.users.append(("SNEW", "student", "New", "Comer", "snew@school.org", "", "2014-01-01", "5", ""))
    up.school_enrollments.append((school, "SNEW"))
    up.class_enrollments.append((cls, "SNEW", "student", "false"))


MUTATIONS = [
    Mutation("blank a student's last name", blank_last_name, NOTHING),
    Mutation("blank a class id", blank_id, STOPS, ("F007",)),
    Mutation("swap the email and phone columns", swap_email_and_phone, NOTHING),
    Mutation("duplicate a row", duplicate_row, STOPS, ("F008",)),
    Mutation("CR line endings", bytes_change(cr_line_endings), NOTHING),
    Mutation("mixed line endings", bytes_change(mixed_line_endings), STOPS, ("F017",)),
    Mutation("a control character in a name", bytes_change(control_character), STOPS, ("F018",)),
    Mutation("a byte-order mark inside a file", bytes_change(bom_inside), STOPS, ("F018",)),
    Mutation("an unquoted comma in a name", bytes_change(unquoted_comma), STOPS, ("F005",)),
    Mutation("a school renumbered", rename_school, HOLDS, ("data_moves",)),
    Mutation("a student listed as a class's teacher", student_as_teacher, NOTHING),
    Mutation("a teacher listed as a guardian", teacher_as_guardian, NOTHING),
    Mutation("two addresses in a parent's email", two_addresses, NOTHING),
    Mutation("one id for a student and a teacher", same_id_twice, STOPS, ("F008",)),  # in one file: F008
    Mutation("a student leaves", remove_student, APPLIES, "removes the student"),
    Mutation("a class renamed", rename_class, APPLIES, "updates one class"),
    Mutation("class enrollments header only", empty_enrollments, HOLDS, ("data_removals",)),
    Mutation("two thirds of users.csv cut off", truncate_users, HOLDS, ("data_removals", "school_emptied")),
    Mutation("a new student", new_student, APPLIES, "creates the student"),
]


def roster(conn) -> dict[str, set]:
    return {
        "accounts": set(conn.execute("SELECT person_sid, role, school_id, status FROM accounts").fetchall()),
        "classes": set(conn.execute("SELECT class_sid, school_id, sis_name, status FROM classes").fetchall()),
        "memberships": set(
            conn.execute(
                "SELECT c.class_sid, a.person_sid, m.role, m.status FROM memberships m "
                "JOIN classes c USING (class_id) JOIN accounts a USING (account_id)"
            ).fetchall()
        ),
    }


def removed_but_present(conn, run_id: str) -> list:
    """Removals this run applied of what its upload still has, or of a record it skipped for an error."""
    return conn.execute(
        """
        SELECT 'account', p.person_sid FROM plan_accounts p
        WHERE p.run_id = $run AND p.op = 'remove'
          AND (EXISTS (SELECT 1 FROM snap_people s WHERE s.run_id = $run AND s.person_sid = p.person_sid
                       AND EXISTS (SELECT 1 FROM snap_school_people sp
                                   WHERE sp.run_id = $run AND sp.person_sid = p.person_sid))
               OR EXISTS (SELECT 1 FROM record_issues i WHERE i.run_id = $run AND i.severity = 'error'
                          AND i.entity = 'person' AND i.key = p.person_sid))
        UNION ALL
        SELECT 'class', p.class_sid FROM plan_classes p
        WHERE p.run_id = $run AND p.op = 'remove'
          AND EXISTS (SELECT 1 FROM snap_classes s WHERE s.run_id = $run AND s.class_sid = p.class_sid)
        UNION ALL
        SELECT 'membership', p.class_sid || '|' || p.person_sid FROM plan_memberships p
        WHERE p.run_id = $run AND p.op = 'remove'
          AND (EXISTS (SELECT 1 FROM snap_memberships s WHERE s.run_id = $run AND s.class_sid = p.class_sid
                       AND s.person_sid = p.person_sid  -- an enrollment of a person or class still sent
                       AND EXISTS (SELECT 1 FROM snap_people x WHERE x.run_id = $run AND x.person_sid = s.person_sid)
                       AND EXISTS (SELECT 1 FROM snap_classes x WHERE x.run_id = $run AND x.class_sid = s.class_sid))
               OR EXISTS (SELECT 1 FROM record_issues i WHERE i.run_id = $run AND i.severity = 'error'
                          AND ((i.entity = 'person' AND i.key = p.person_sid)
                               OR (i.entity = 'membership' AND i.code NOT IN ('E103', 'E104')
                                   AND i.key = p.class_sid AND i.other_key = p.person_sid))))
        """,
        {"run": run_id},
    ).fetchall()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    students=st.integers(min_value=3, max_value=12),
    schools=st.sampled_from([("N",), ("N", "S"), ("N", "S", "E")]),
    mutation=st.sampled_from(MUTATIONS),
    pick=st.integers(min_value=0, max_value=1000),
)
def test_a_mutated_upload_stops_holds_or_applies_what_it_implies(students, schools, mutation, pick):
    cfg = config()
    with tempfile.TemporaryDirectory() as tmp, store.connect("mutant", Path(tmp)) as conn:
        pipeline.sync(conn, cfg, small_district(students, schools).write(Path(tmp) / "r1"), "r1", suites=False)
        before = roster(conn)
        upload = small_district(students, schools)
        after_write = mutation.change(upload, pick)
        folder = upload.write(Path(tmp) / "r2")
        if callable(after_write):
            after_write(folder)
        try:
            planned = pipeline.plan_upload(conn, cfg, folder, "r2", suites=False)
        except FormatCheckFailed as stopped:
            assert mutation.expect == STOPS, f"{mutation.name}: stopped by {stopped}"
            assert {e.code for e in stopped.report.errors} & set(mutation.detail), mutation.name
            assert roster(conn) == before
            return
        assert mutation.expect != STOPS, f"{mutation.name}: should have stopped"
        reasons = {h.reason for h in planned.holds}
        if mutation.expect == HOLDS:
            assert reasons & set(mutation.detail), f"{mutation.name}: holds {reasons}"
        else:
            assert not gate.gate_needed(conn, "r2"), f"{mutation.name}: unexpected holds {planned.holds}"
        if gate.gate_needed(conn, "r2"):  # the approver says no: nothing held may change
            gate.open_gate(conn, "r2")
            gate.record_answer(conn, "r2", gate.REJECT, "approver", datetime.now())
        result = apply.apply_plan(conn, "r2")
        assert removed_but_present(conn, "r2") == [], mutation.name
        changes = {e: sum(c.values()) for e, c in result.counts.items()}
        after = roster(conn)
        if mutation.expect == NOTHING:
            assert after == before, f"{mutation.name}: {result.counts}"
        elif mutation.expect == HOLDS:
            held = set(result.held_schools)
            assert {a for a in after["accounts"] if a[2] in held} == {a for a in before["accounts"] if a[2] in held}
        elif mutation.detail == "removes the student":
            assert result.counts["accounts"]["remove"] >= 1 and result.counts["accounts"]["create"] == 0
            assert result.counts["memberships"]["create"] == 0
        elif mutation.detail == "updates one class":
            assert changes == {"accounts": 0, "classes": 1, "memberships": 0}
        elif mutation.detail == "creates the student":
            assert result.counts["accounts"] == {"create": 1, "update": 0, "remove": 0}
            assert result.counts["memberships"]["create"] >= 1 and result.counts["memberships"]["remove"] == 0


def test_the_property_covers_fifteen_kinds_of_mutation_or_more():
    assert len(MUTATIONS) >= 15 and len({m.name for m in MUTATIONS}) == len(MUTATIONS)
