"""Properties of the diff over random small districts (hypothesis)."""

import re
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from roster_helpers import (
    FMT,
    Upload,
    answer_gate,
    config,
    full_roster,
    live,
    small_district,
    sync,
    sync_owned_state,
)
from rostersync import apply, gate, plan, quality, snapshot, store
from rostersync.plan import plan_summary

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


@st.composite
def careless(draw, upload: Upload) -> Upload:
    """The same upload with what a careless export does to some records: a teacher without an email
    (E101), a student enrolled as a teacher (E109), a student named as a guardian (E110), one id given to
    two people (E108), an enrollment in a class or of a person the upload lacks (E103, E104)."""
    up = Upload(**{k: list(v) for k, v in upload.__dict__.items()})
    if up.users and draw(st.booleans()):
        i = draw(st.integers(0, len(up.users) - 1))
        user = up.users[i]
        up.users[i] = (*user[:4], "", *user[5:]) if user[1] == "teacher" else user
    if up.class_enrollments and draw(st.booleans()):
        i = draw(st.integers(0, len(up.class_enrollments) - 1))
        cls, person, role, primary = up.class_enrollments[i]
        up.class_enrollments[i] = (cls, person, "teacher" if role == "student" else "student", primary)
    if up.relationships and draw(st.booleans()):
        i = draw(st.integers(0, len(up.relationships) - 1))
        student = up.relationships[i][0]
        up.relationships.append((f"S{draw(st.integers(0, 24))}", student, "Sibling", "guardian"))
    if up.users and draw(st.booleans()):
        twin = up.users[draw(st.integers(0, len(up.users) - 1))]
        up.users.append((twin[0], "parent", "Twin", "Record", "twin@h.org", "", "", "", ""))
    if draw(st.booleans()):
        up.class_enrollments.append((f"C{draw(st.integers(0, 7))}", f"S{draw(st.integers(0, 30))}", "student", ""))
    return up


@st.composite
def next_day(draw, upload: Upload) -> Upload:
    """The upload a day later: a few records gone (people, classes, enrollments, links), a few renamed,
    a few new enrollments, sometimes a new student (with their school, classes and a guardian); the rest as
    it was."""
    up = Upload(**{k: list(v) for k, v in upload.__dict__.items()})
    for name in ("users", "school_enrollments", "classes", "class_enrollments", "relationships"):
        rows = getattr(up, name)
        least = 1 if name == "class_enrollments" else 0  # an enrollment-only change: the memberships alone
        gone = draw(st.sets(st.integers(0, len(rows) - 1), min_size=least, max_size=2)) if rows else set()
        setattr(up, name, [row for i, row in enumerate(rows) if i not in gone])
    for i in draw(st.sets(st.integers(0, max(len(up.users) - 1, 0)), max_size=2)) if up.users else ():
        user = up.users[i]
        up.users[i] = (*user[:3], user[3] + "-y", *user[4:])
    for _ in range(draw(st.integers(0, 2))):
        up.class_enrollments.append((f"C{draw(st.integers(0, 5))}", f"S{draw(st.integers(0, 24))}", "student", ""))
    if draw(st.booleans()):  # a new student: rows only the new day has, in every table that names them
        n = draw(st.integers(25, 28))
        school = SCHOOLS[n % 2]
        if not any(u[0] == f"S{n}" for u in up.users):
            up.users.append((f"S{n}", "student", "New", f"Comer{n}", f"s{n}@s.org", "", "", "3", ""))
            up.school_enrollments.append((school, f"S{n}"))
            up.class_enrollments += [(c, f"S{n}", "student", "false") for c, s, *_ in up.classes if s == school]
            guardians = sorted({g for _, g, *_ in up.relationships})
            if guardians:
                up.relationships.append((f"S{n}", draw(st.sampled_from(guardians)), "Parent", "guardian"))
    return up


DAY0 = date(2026, 9, 1)


WATCHFUL = config(holds={"removal_share": 0.01, "removal_min_count": 1, "update_share": 0.01, "update_min_count": 1})
"""A district whose thresholds hold a school on any removal or update: the gate has schools to keep."""


def prepare_dated(conn, upload: Upload, folder: Path, run_id: str, day: int, dates: int, cfg=None) -> plan.PlanSummary:
    """normalize, dates on some enrollments and classes (as a OneRoster export has them, chosen by `dates`
    from each row's ids, so a row keeps its dates from run to run), record issues, and the plan."""
    snapshot.normalize(conn, FMT, upload.write(folder / run_id), run_id, data_date=DAY0 + timedelta(days=day))
    conn.execute(
        "UPDATE snap_memberships SET begin_date = $d0 + (hash(class_sid, person_sid) % 6)::INTEGER, "
        "end_date = CASE WHEN hash(person_sid, class_sid) % 2 = 0 THEN $d0 + (hash(class_sid) % 9)::INTEGER END "
        "WHERE run_id = $run AND hash(class_sid, person_sid, $dates) % 3 = 0",
        {"d0": DAY0, "run": run_id, "dates": dates},
    )
    conn.execute(
        "UPDATE snap_classes SET end_date = $d0 + (hash(class_sid) % 9)::INTEGER "
        "WHERE run_id = $run AND hash(class_sid, $dates) % 4 = 0",
        {"d0": DAY0, "run": run_id, "dates": dates},
    )
    quality.find_record_issues(conn, run_id)
    return plan.compute_plan(conn, cfg or config(), run_id)


def plan_rows(conn, run_id: str) -> dict[str, list]:
    return {
        table: conn.execute(
            f"SELECT * EXCLUDE (run_id) FROM {table} WHERE run_id = ? ORDER BY ALL", [run_id]
        ).fetchall()
        for table in ("plan_schools", "plan_accounts", "plan_classes", "plan_memberships", "plan_holds")
    }


def planned_both_ways(conn, run_id: str, cfg=None) -> plan.PlanSummary:
    """The run's plan as compute_plan made it, after checking the full diff makes the very same rows."""
    incremental = plan_summary(conn, run_id)
    rows = plan_rows(conn, run_id)
    full = plan.compute_plan(conn, cfg or config(), run_id, full=True)
    assert full.base_run is None
    assert plan_rows(conn, run_id) == rows
    assert full.changes == incremental.changes
    return incremental


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), uploads(), st.integers(0, 8), st.integers(0, 8), st.integers(0, 2**16))
def test_the_incremental_plan_is_the_full_plan(data, s1, day2, day3, dates):
    """Run 1 is applied (a first sync: full); runs 2 and 3 are each the day before's upload with a few
    changes, sometimes careless records, dates that some rows cross between the runs, and a random answer
    at run 2's gate (some held schools released, or none). Runs 2 and 3 are planned on the run before
    them, and every plan row is the same as the full diff's."""
    cfg = data.draw(st.sampled_from([config(), WATCHFUL]))
    s2 = data.draw(next_day(data.draw(careless(s1)) if data.draw(st.booleans()) else s1))
    s3 = data.draw(st.sampled_from(["same", "next day", "careless"]))
    s3 = s2 if s3 == "same" else data.draw(next_day(data.draw(careless(s2)) if s3 == "careless" else s2))
    with tempfile.TemporaryDirectory() as tmp, store.scratch() as conn:
        first = prepare_dated(conn, s1, Path(tmp), "r1", 0, dates, cfg)
        assert first.base_run is None
        answer_gate(conn, "r1")
        apply.apply_plan(conn, "r1")

        second = (
            planned_both_ways(conn, "r2", cfg) if prepare_dated(conn, s2, Path(tmp), "r2", day2, dates, cfg) else None
        )
        assert second is not None and second.base_run == "r1"
        if gate.gate_needed(conn, "r2"):
            options = gate.open_gate(conn, "r2")
            schools = options[2:]  # Approve, Reject, then one per held school
            some = st.lists(st.sampled_from(schools), min_size=1, unique=True) if schools else st.just(options[:1])
            pick = data.draw(st.sampled_from(["approve", "reject", "some schools", "some schools"]))
            chosen = {"approve": options[:1], "reject": options[1:2]}.get(pick) or data.draw(some)
            gate.record_answer(conn, "r2", chosen, "tester", datetime(2026, 11, 23, 8, 0))
        applied = apply.apply_plan(conn, "r2")

        prepare_dated(conn, s3, Path(tmp), "r3", max(day2, day3), dates, cfg)
        third = planned_both_ways(conn, "r3", cfg)
        status = conn.execute("SELECT status FROM sync_runs WHERE run_id = 'r2'").fetchone()[0]
        # A rejected run 2 may have applied its schools without a hold: then the roster is not run 1's any
        # more, and run 3 is planned in full; if it changed nothing, run 3 is planned on run 1.
        assert third.base_run == "r2" if status == "applied" else third.base_run in (None, "r1"), (status, applied)


def test_a_school_kept_on_hold_is_planned_again_on_the_run_that_kept_it(tmp_path):
    """Run 2 removes enrollments in both schools, and its approver releases one: the next run, with the
    same upload, is planned on run 2 and still has the other school's removals."""
    s1 = small_district(10)
    s2 = Upload(**{k: list(v) for k, v in s1.__dict__.items()})
    s2.class_enrollments = [e for e in s2.class_enrollments if e[1] not in ("SN001", "SS002")]
    with store.scratch() as conn:
        prepare_dated(conn, s1, tmp_path, "r1", 0, 7, WATCHFUL)
        answer_gate(conn, "r1")
        apply.apply_plan(conn, "r1")
        assert {h.school for h in prepare_dated(conn, s2, tmp_path, "r2", 0, 7, WATCHFUL).holds} == {"N", "S"}
        gate.open_gate(conn, "r2")
        gate.record_answer(conn, "r2", ["Release N (School N)"], "tester", datetime(2026, 11, 23, 8, 0))
        assert apply.apply_plan(conn, "r2").held_schools == ["S"]
        prepare_dated(conn, s2, tmp_path, "r3", 0, 7, WATCHFUL)
        third = planned_both_ways(conn, "r3", WATCHFUL)
        assert third.base_run == "r2"
        assert third.changes["memberships"]["remove"] == 2  # the student's and their guardian's, in S


def test_a_student_leaving_their_school_takes_their_guardian_s_memberships_in_an_incremental_plan(tmp_path):
    """A student's school link goes (their enrollments stay): their guardian, linked to the district only
    through them, is no longer wanted, and the plan on the run before removes the guardian's membership."""
    s1 = small_district(3)
    s2 = Upload(**{k: list(v) for k, v in s1.__dict__.items()})
    s2.school_enrollments = [e for e in s2.school_enrollments if e[1] != "SN001"]
    with store.scratch() as conn:
        prepare_dated(conn, s1, tmp_path, "r1", 0, 7)
        answer_gate(conn, "r1")
        apply.apply_plan(conn, "r1")
        prepare_dated(conn, s2, tmp_path, "r2", 0, 7)
        second = planned_both_ways(conn, "r2")
        assert second.base_run == "r1"
        removed = conn.execute("SELECT person_sid FROM plan_memberships WHERE run_id = 'r2' AND op = 'remove'")
        assert sorted(p for (p,) in removed.fetchall()) == ["PN001", "SN001"]


@pytest.mark.parametrize("again", ["planned", "normalized"])
def test_a_base_run_made_again_after_its_apply_is_no_base(tmp_path, again):
    """The last applied run planned again under other settings (its detect_holds cleared after the YAML
    changed), or its snapshot made again: what the roster was made from is gone, so the next plan is full
    (and makes the parents' memberships the new settings want, or removes what the new snapshot lacks)."""
    parents_off, parents_on = config(accounts={"parents": False}), config(accounts={"parents": True})
    upload = small_district(2)
    with store.scratch() as conn:
        prepare_dated(conn, upload, tmp_path, "r1", 0, 7, parents_off)
        answer_gate(conn, "r1")
        apply.apply_plan(conn, "r1")
        if again == "planned":
            plan.compute_plan(conn, parents_on, "r1")
        else:
            snapshot.normalize(conn, FMT, upload.write(tmp_path / "again"), "r1")
        second = prepare_dated(conn, upload, tmp_path, "r2", 0, 7, parents_on)
        assert second.base_run is None
        assert second.changes["memberships"]["create"] == 4  # each parent into their child's class


PHONE_ALPHABET = "+0123456789 ().-x\n"


def phone_rule(text: str | None) -> bool:
    """The phone rule as README and A205 state it: digits with the usual separators after an optional +,
    7 to 25 of them, holding 7 to 15 digits."""
    if text is None:
        return False
    digits = sum(c in "0123456789" for c in text)
    return re.fullmatch(r"\+?[0-9 ().-]{7,25}", text) is not None and 7 <= digits <= 15


def test_the_phone_check_is_the_phone_rule():
    """usable_phone (schema 006) counts digits with a pattern, not by removing the rest: the same answers."""
    edges = [
        "555-0100",
        "+1 555 0101 222",
        "123456",
        "1234567",
        "1" * 15,
        "1" * 16,
        "(" * 18 + "1234567",
        "(" * 19 + "1234567",
        "++1234567",
        "+" + "1" * 15,
        " 1 2 3 4 5 6 7 ",
        "555-CALL-ME",
        "",
        None,
    ]
    with store.scratch() as conn:

        def check(texts: list[str | None]) -> None:
            for text in texts:
                assert conn.execute("SELECT usable_phone(?)", [text]).fetchone()[0] is phone_rule(text), text

        check(edges)
        given(st.lists(st.text(alphabet=PHONE_ALPHABET, max_size=30), max_size=20))(
            settings(max_examples=300, deadline=None)(check)
        )()


def test_a_person_the_roster_holds_two_accounts_of_is_planned_again_on_every_run(tmp_path):
    """The roster holds two accounts of one student, one deactivated with the right name, one active with
    an old name: an apply sets both from one plan row, so one may stay as the full diff would not leave it.
    The incremental plan of the next run diffs that person again, and plans what the full diff plans."""
    upload = small_district(3)
    with store.scratch() as conn:
        prepare_dated(conn, upload, tmp_path, "r1", 0, 7)
        answer_gate(conn, "r1")
        apply.apply_plan(conn, "r1")
        conn.execute(
            "INSERT INTO accounts SELECT * REPLACE ('deactivated' AS status, 999::BIGINT AS account_id) "
            "FROM accounts WHERE person_sid = 'SN001'"
        )
        conn.execute("UPDATE accounts SET given_name = 'Old' WHERE person_sid = 'SN001' AND account_id <> 999")
        assert prepare_dated(conn, upload, tmp_path, "r2", 0, 7).base_run is None  # the roster changed
        if gate.gate_needed(conn, "r2"):
            answer_gate(conn, "r2")
        apply.apply_plan(conn, "r2")
        prepare_dated(conn, upload, tmp_path, "r3", 0, 7)
        third = planned_both_ways(conn, "r3")
        assert third.base_run == "r2"
