"""The plan: every create, update and removal a run would make, by set-based SQL over the snapshot."""

import copy

from roster_helpers import answer_gate, config, live, prepare, small_district, sync, sync_owned_state
from rostersync import apply, store


def test_the_same_snapshot_twice_changes_nothing_and_needs_no_gate(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    before = sync_owned_state(conn)
    summary, found, result = sync(conn, small_district(), tmp_path, "r2")
    assert summary.total == 0 and found == []
    assert sync_owned_state(conn) == before


def test_a_teacher_without_a_valid_email_is_skipped_and_the_rest_applies(conn, tmp_path):
    day1 = small_district()
    day1.users = [(u[0], u[1], u[2], u[3], "not-an-email", *u[5:]) if u[0] == "TN" else u for u in day1.users]
    _, _, result = sync(conn, day1, tmp_path, "r1")
    assert conn.execute("SELECT count(*) FROM accounts WHERE person_sid = 'TN'").fetchone()[0] == 0
    assert result.counts["accounts"]["create"] == 81
    issues = conn.execute("SELECT code, key FROM record_issues WHERE severity = 'error'").fetchall()
    assert issues == [("E101", "TN")]


def test_a_deselected_school_is_never_touched(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    before = [r for r in sync_owned_state(conn)["accounts"] if r[2] == "S"]
    cfg = config(schools={"N": {}, "S": {"selected": False}})
    day2 = small_district(schools=("N",))  # school S vanished from the upload, but it is deselected
    summary, found, _ = sync(conn, day2, tmp_path, "r2", cfg)
    assert summary.changes["accounts"]["remove"] == 0
    assert [r for r in sync_owned_state(conn)["accounts"] if r[2] == "S"] == before


def test_guardians_join_every_class_of_their_student(conn, tmp_path):
    day1 = small_district(students_per_school=1, schools=("N",))
    day1.classes.append(("CN2", "N", "Art", "2026", "2"))
    day1.class_enrollments += [("CN2", "TN", "teacher", "true"), ("CN2", "SN000", "student", "false")]
    sync(conn, day1, tmp_path, "r1")
    parent_classes = conn.execute(
        "SELECT c.class_sid FROM memberships m JOIN classes c USING (class_id) JOIN accounts a USING (account_id) "
        "WHERE a.person_sid = 'PN000' AND m.role = 'parent' ORDER BY 1"
    ).fetchall()
    assert parent_classes == [("CN",), ("CN2",)]


def test_syncing_s1_then_s2_equals_syncing_s2_into_an_empty_roster(tmp_path):
    s1 = small_district()
    s2 = copy.deepcopy(s1)
    s2.users = [u for u in s2.users if u[0] != "SS003"] + [
        ("SN900", "student", "New", "Kid", "new@school.org", "", "", "4", "")
    ]
    s2.school_enrollments.append(("N", "SN900"))
    s2.class_enrollments.append(("CN", "SN900", "student", "false"))
    with store.connect("a", tmp_path / "a") as a, store.connect("b", tmp_path / "b") as b:
        sync(a, s1, tmp_path / "fa", "r1")
        sync(a, s2, tmp_path / "fa", "r2")
        sync(b, s2, tmp_path / "fb", "r1")
        assert live(sync_owned_state(a)) == live(sync_owned_state(b))


def test_a_stale_upload_removes_nothing(conn, tmp_path):
    from rostersync import plan as plan_module

    sync(conn, small_district(), tmp_path, "r1")
    day2 = small_district(students_per_school=10)
    from roster_helpers import FMT
    from rostersync import holds, quality, snapshot

    snapshot.normalize(conn, FMT, day2.write(tmp_path / "r2"), "r2")
    quality.find_record_issues(conn, "r2")
    summary = plan_module.compute_plan(conn, config(), "r2", upload_age_days=120)
    holds.detect_holds(conn, config(), "r2")
    assert summary.removals_suppressed
    assert all(c["remove"] == 0 for c in summary.changes.values())


def test_duplicate_emails_go_to_the_highest_role_then_the_lowest_id(conn, tmp_path):
    up = small_district(students_per_school=2, schools=("N",))
    shared = "family@home.org"
    up.users = [
        (u[0], u[1], u[2], u[3], shared, *u[5:]) if u[0] in ("SN000", "PN000", "SN001") else u for u in up.users
    ]
    sync(conn, up, tmp_path, "r1")
    issues = conn.execute("SELECT key FROM record_issues WHERE code = 'E106' ORDER BY 1").fetchall()
    assert issues == [("SN000",), ("SN001",)]
    assert conn.execute("SELECT person_sid FROM accounts WHERE email = ?", [shared]).fetchall() == [("PN000",)]


def test_a_source_school_maps_onto_its_roster_school(conn, tmp_path):
    cfg = config(schools={"N": {"roster_id": "north-high"}, "S": {}})
    sync(conn, small_district(), tmp_path, "r1", cfg)
    assert conn.execute("SELECT DISTINCT school_id FROM accounts ORDER BY 1").fetchall() == [("S",), ("north-high",)]
    assert conn.execute("SELECT school_id FROM classes WHERE class_sid = 'CN'").fetchone() == ("north-high",)


def test_only_the_roles_the_district_selected_get_accounts(conn, tmp_path):
    cfg = config(accounts={"teachers": True, "students": True, "parents": False})
    sync(conn, small_district(), tmp_path, "r1", cfg)
    roles = dict(conn.execute("SELECT role, count(*) FROM accounts GROUP BY role").fetchall())
    assert roles == {"teacher": 2, "student": 40}
    assert conn.execute("SELECT count(*) FROM memberships WHERE role = 'parent'").fetchone()[0] == 0


def test_the_membership_diff_in_several_passes_plans_what_one_pass_plans(roster_backend, tmp_path, monkeypatch):
    """A district too big for one pass under DuckDB's memory bound is diffed one hash partition of its
    classes at a time. A first sync, and a full plan of the next day (creates, removals, a student who moves
    class, a parent whose child leaves, a skipped enrollment, a class gone), plan in several passes the
    very rows one pass plans, on both roster stores."""
    from rostersync import plan

    day1 = small_district(students_per_school=6, schools=("N", "S", "E", "W"))
    for s in ("N", "S", "E", "W"):
        for k in (2, 3):
            day1.classes.append((f"C{s}{k}", s, f"Art {s}{k}", "2026", str(k)))
            day1.class_enrollments.append((f"C{s}{k}", f"T{s}", "teacher", "true"))
            day1.class_enrollments += [(f"C{s}{k}", f"S{s}{n:03d}", "student", "false") for n in range(k, 6)]
    day2 = copy.deepcopy(day1)
    day2.class_enrollments = [
        e for e in day2.class_enrollments if e[:2] not in {("CN2", "SN003"), ("CS3", "SS004"), ("CE", "SE000")}
    ]
    day2.class_enrollments += [("CN2", "SN000", "student", "false"), ("CW2", "SW001", "teacher", "false")]
    day2.classes = [c for c in day2.classes if c[0] != "CE3"]
    day2.class_enrollments = [e for e in day2.class_enrollments if e[0] != "CE3"]
    passes = []
    several = plan.membership_passes

    def counted(conn, run_id, scope):
        passes.append(several(conn, run_id, scope))
        return passes[-1]

    def rows(conn, run_id: str) -> list:
        return conn.execute(
            "SELECT * EXCLUDE (run_id) FROM plan_memberships WHERE run_id = ? ORDER BY ALL", [run_id]
        ).fetchall()

    with store.connect("unit", tmp_path) as conn:
        monkeypatch.setattr(plan, "membership_passes", counted)
        for run_id, upload in (("r1", day1), ("r2", day2)):
            monkeypatch.setattr(plan, "PLAN_ROWS_PER_GIB", 8)  # 14 rows a pass under the 2 GB bound
            prepare(conn, upload, tmp_path, run_id)
            plan.compute_plan(conn, config(), run_id, full=True)
            in_passes = rows(conn, run_id)
            monkeypatch.setattr(plan, "PLAN_ROWS_PER_GIB", 4_000_000)
            plan.compute_plan(conn, config(), run_id, full=True)
            assert passes[-2] > 3 and passes[-1] == 1
            assert rows(conn, run_id) == in_passes
            answer_gate(conn, run_id)
            apply.apply_plan(conn, run_id)
    ops = {op for op, *_ in in_passes}
    assert ops == {"create", "remove"}
