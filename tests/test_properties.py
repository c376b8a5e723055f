"""Properties of the diff over random small districts (hypothesis)."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from roster_helpers import Upload, full_roster, live, sync, sync_owned_state
from rostersync import apply, store

SCHOOLS = ("N", "S")


@st.composite
def uploads(draw) -> Upload:
    """A consistent Remind CSV 2.0 upload drawn from a small universe of people and classes."""
    up = Upload(schools=[(s, f"School {s}") for s in SCHOOLS])
    teachers = draw(st.sets(st.integers(0, 4), min_size=1))
    students = draw(st.sets(st.integers(0, 24)))
    classes = draw(st.sets(st.integers(0, 5), min_size=1))
    renamed = draw(st.sets(st.integers(0, 24)))
    for t in sorted(teachers):
        school = SCHOOLS[t % 2]
        up.users.append((f"T{t}", "teacher", "Tea", f"Cher{t}", f"t{t}@s.org", "", "", "", ""))
        up.school_enrollments.append((school, f"T{t}"))
    for c in sorted(classes):
        school = SCHOOLS[c % 2]
        up.classes.append((f"C{c}", school, f"Class {c}" + (" b" if c in renamed else ""), "2026", "1"))
        owners = [t for t in sorted(teachers) if t % 2 == c % 2]
        if owners:
            up.class_enrollments.append((f"C{c}", f"T{owners[0]}", "teacher", "true"))
    for n in sorted(students):
        school = SCHOOLS[n % 2]
        family = "Dent" + ("-x" if n in renamed else "")
        up.users.append((f"S{n}", "student", "Stu", family, f"s{n}@s.org", "", "", str(n % 12 + 1), ""))
        up.school_enrollments.append((school, f"S{n}"))
        for c in sorted(classes):
            if c % 2 == n % 2 and (n + c) % 3:
                up.class_enrollments.append((f"C{c}", f"S{n}", "student", "false"))
        if n % 4 != 3:
            guardian = f"P{n // 2}"  # siblings n, n+1 share a guardian
            if not any(u[0] == guardian for u in up.users):
                up.users.append((guardian, "parent", "Par", f"Ent{n // 2}", f"p{n // 2}@h.org", "", "", "", ""))
            up.relationships.append((f"S{n}", guardian, "Parent", "guardian"))
    return up


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(uploads())
def test_syncing_the_same_snapshot_twice_changes_nothing_the_second_time(upload):
    with tempfile.TemporaryDirectory() as tmp, store.scratch() as conn:
        sync(conn, upload, Path(tmp), "r1")
        summary, found, result = sync(conn, upload, Path(tmp), "r2")
        assert summary.total == 0 and found == []


@SETTINGS
@given(uploads(), uploads())
def test_s1_then_s2_leaves_what_s2_into_an_empty_roster_leaves(s1, s2):
    with tempfile.TemporaryDirectory() as tmp, store.scratch() as a, store.scratch() as b:
        sync(a, s1, Path(tmp) / "a", "r1")
        sync(a, s2, Path(tmp) / "a", "r2")
        sync(b, s2, Path(tmp) / "b", "r1")
        assert live(sync_owned_state(a)) == live(sync_owned_state(b))


@SETTINGS
@given(uploads(), uploads())
def test_rollback_of_the_last_run_restores_the_previous_state_exactly(s1, s2):
    with tempfile.TemporaryDirectory() as tmp, store.scratch() as conn:
        sync(conn, s1, Path(tmp), "r1")
        before = full_roster(conn)
        sync(conn, s2, Path(tmp), "r2")
        apply.rollback_run(conn, "r2")
        assert full_roster(conn) == before
