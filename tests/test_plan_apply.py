"""The diff rules, holds and apply, on small hand-written districts in a DuckDB file."""

import copy

import pytest
from roster_helpers import answer_gate, config, prepare, small_district, sync, sync_owned_state
from rostersync import apply, runs, store


@pytest.fixture
def conn(tmp_path):
    with store.connect("unit", tmp_path) as connection:
        yield connection


def test_first_sync_creates_everything_and_holds_every_school(conn, tmp_path):
    summary, found, result = sync(conn, small_district(), tmp_path, "r1")
    assert summary.is_initial
    assert {(h.school, h.reason) for h in found} == {("N", "initial_sync"), ("S", "initial_sync")}
    # 2 teachers + 40 students + 40 parents; 2 classes; owner + 20 students + 20 parents per class
    assert result.counts["accounts"] == {"create": 82, "update": 0, "remove": 0}
    assert result.counts["classes"] == {"create": 2, "update": 0, "remove": 0}
    assert result.counts["memberships"] == {"create": 82, "update": 0, "remove": 0}
    assert conn.execute("SELECT DISTINCT status FROM accounts").fetchall() == [("pending",)]
    assert conn.execute("SELECT count(*) FROM change_log WHERE run_id = 'r1'").fetchone()[0] == 82 + 2 + 82 + 2


def test_the_same_snapshot_twice_changes_nothing_and_needs_no_gate(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    before = sync_owned_state(conn)
    summary, found, result = sync(conn, small_district(), tmp_path, "r2")
    assert summary.total == 0 and found == []
    assert sync_owned_state(conn) == before


def test_a_rejected_first_sync_applies_nothing(conn, tmp_path):
    _, _, result = sync(conn, small_district(), tmp_path, "r1", answer="Reject")
    assert result.counts["accounts"]["create"] == 0
    assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == 0
    assert runs.load_sync_run(conn, "r1").status == "rejected"
    assert runs.last_applied_upload(conn) is None


def test_removals_above_the_share_hold_only_that_school(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    day2 = small_district()
    gone = {f"SN{n:03d}" for n in range(5)}  # 5 of 20 students of school N leave
    day2.users = [u for u in day2.users if u[0] not in gone]
    day2.school_enrollments = [e for e in day2.school_enrollments if e[1] not in gone]
    day2.class_enrollments = [e for e in day2.class_enrollments if e[1] not in gone]
    day2.relationships = [r for r in day2.relationships if r[0] not in gone]
    # and school S renames its class: an update, no hold
    day2.classes = [(c[0], c[1], c[2] + " II" if c[1] == "S" else c[2], c[3], c[4]) for c in day2.classes]
    summary, found, result = sync(conn, day2, tmp_path, "r2", answer="Reject")
    assert {(h.school, h.reason) for h in found} == {("N", "data_removals")}
    assert "removed" in found[0].detail
    assert result.held_schools == ["N"]
    assert result.counts["classes"]["update"] == 1  # school S applied without waiting
    assert result.counts["accounts"]["remove"] == 0  # school N kept everything
    assert conn.execute("SELECT count(*) FROM accounts WHERE status = 'deactivated'").fetchone()[0] == 0
    states = dict(conn.execute("SELECT school_id, state FROM school_state").fetchall())
    assert states == {"N": "On hold", "S": "Connected"}


def test_removals_deactivate_and_a_return_reactivates_the_same_account(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    (account_id,) = conn.execute("SELECT account_id FROM accounts WHERE person_sid = 'SN000'").fetchone()
    day2 = small_district()
    day2.users = [u for u in day2.users if u[0] != "SN000"]
    sync(conn, day2, tmp_path, "r2")
    assert conn.execute("SELECT status, removed_run FROM accounts WHERE person_sid = 'SN000'").fetchone() == (
        "deactivated",
        "r2",
    )
    assert conn.execute(
        "SELECT m.status FROM memberships m JOIN accounts a USING (account_id) WHERE a.person_sid = 'SN000'"
    ).fetchall() == [("removed",)]
    sync(conn, small_district(), tmp_path, "r3")
    rows = conn.execute("SELECT account_id, status FROM accounts WHERE person_sid = 'SN000'").fetchall()
    assert rows == [(account_id, "pending")]


def test_email_and_phone_are_never_updated_but_names_are(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    day2 = small_district()
    day2.users = [
        (u[0], u[1], u[2], "Newname", "changed@school.org", "+15550001111", *u[6:]) if u[0] == "SN001" else u
        for u in day2.users
    ]
    _, _, result = sync(conn, day2, tmp_path, "r2")
    assert result.counts["accounts"]["update"] == 1
    row = conn.execute("SELECT family_name, email, phone FROM accounts WHERE person_sid = 'SN001'").fetchone()
    assert row == ("Newname", "sn001@school.org", None)


def test_a_class_renamed_in_the_app_keeps_its_name(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    conn.execute("UPDATE classes SET app_name = 'Room 12 Math' WHERE class_sid = 'CN'")  # the app's edit
    day2 = small_district()
    day2.classes = [(c[0], c[1], "Algebra", c[3], c[4]) if c[0] == "CN" else c for c in day2.classes]
    sync(conn, day2, tmp_path, "r2")
    assert conn.execute("SELECT sis_name, app_name FROM classes WHERE class_sid = 'CN'").fetchone() == (
        "Algebra",
        "Room 12 Math",
    )


def test_a_class_is_live_at_once_when_its_teacher_already_uses_the_app(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    conn.execute("UPDATE accounts SET status = 'active', claimed_at = now() WHERE person_sid = 'TN'")
    day2 = small_district()
    day2.classes.append(("CN2", "N", "Science N", "2026", "2"))
    day2.class_enrollments.append(("CN2", "TN", "teacher", "true"))
    sync(conn, day2, tmp_path, "r2")
    assert conn.execute("SELECT status FROM classes WHERE class_sid = 'CN2'").fetchone() == ("live",)
    assert conn.execute("SELECT status FROM classes WHERE class_sid = 'CS'").fetchone() == ("pending",)


def test_apply_refuses_a_plan_when_the_roster_moved(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    day2 = small_district(students_per_school=21)
    prepare(conn, day2, tmp_path, "r2")
    conn.execute("UPDATE accounts SET status = 'active', claimed_at = now() WHERE person_sid = 'TS'")  # app-side
    before = sync_owned_state(conn)
    with pytest.raises(apply.PlanStale, match="the roster changed after this plan was computed"):
        answer_gate(conn, "r2", "Reject")
        apply.apply_plan(conn, "r2")
    assert sync_owned_state(conn) == before


def test_applying_a_run_twice_applies_it_once(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    day2 = small_district(students_per_school=21)
    prepare(conn, day2, tmp_path, "r2")
    answer_gate(conn, "r2", "Reject")
    first = apply.apply_plan(conn, "r2")
    after = sync_owned_state(conn)
    second = apply.apply_plan(conn, "r2")
    assert second.already_applied and second.counts == first.counts
    assert sync_owned_state(conn) == after


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


def live(state: dict[str, list]) -> dict[str, list]:
    """The rows a user sees: deactivated accounts and removed memberships left out."""
    return {k: [r for r in v if r[-1] not in ("deactivated", "removed", "archived")] for k, v in state.items()}


def full_roster(conn) -> dict[str, list]:
    """Every column of every roster table: what a rollback must restore exactly."""
    return {
        t: conn.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
        for t in ("accounts", "classes", "memberships", "schools")
    }


def test_rollback_of_the_last_run_restores_the_roster_exactly_and_is_logged(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    conn.execute("UPDATE accounts SET status = 'active', claimed_at = TIMESTAMP '2026-09-01' WHERE person_sid = 'TN'")
    before = full_roster(conn)
    day2 = small_district()
    day2.users = [u for u in day2.users if u[0] != "SN000"] + [("SN500", "student", "Ne", "W", "", "", "", "5", "")]
    day2.school_enrollments.append(("N", "SN500"))
    day2.class_enrollments.append(("CN", "SN500", "student", "false"))
    day2.classes = [(c[0], c[1], "Renamed", c[3], c[4]) for c in day2.classes]
    sync(conn, day2, tmp_path, "r2")
    assert full_roster(conn) != before
    rollback_id = apply.rollback_run(conn, "r2")
    assert full_roster(conn) == before
    assert runs.load_sync_run(conn, "r2").status == "rolled_back"
    assert runs.load_sync_run(conn, rollback_id).status == "rollback"
    assert (
        conn.execute("SELECT count(*) FROM change_log WHERE run_id = ?", [rollback_id]).fetchone()[0]
        == (conn.execute("SELECT count(*) FROM change_log WHERE run_id = 'r2'").fetchone()[0])
    )


def test_only_the_last_applied_run_can_be_rolled_back(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    sync(conn, small_district(students_per_school=21), tmp_path, "r2")
    with pytest.raises(apply.RollbackRefused, match="not the last applied run .that is r2"):
        apply.rollback_run(conn, "r1")
    apply.rollback_run(conn, "r2")
    apply.rollback_run(conn, "r1")
    assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == 0


def test_a_backfill_older_than_the_applied_data_is_refused_unless_forced(conn, tmp_path):
    from datetime import datetime

    prepare(conn, small_district(), tmp_path, "nightly")
    answer_gate(conn, "nightly")
    apply.apply_plan(conn, "nightly", logical_date=datetime(2026, 11, 20))
    prepare(conn, small_district(students_per_school=19), tmp_path, "backfill")
    before = full_roster(conn)
    with pytest.raises(apply.BackfillRefused, match='"force_backfill": true'):
        apply.apply_plan(conn, "backfill", logical_date=datetime(2026, 11, 1))
    assert full_roster(conn) == before
    answer_gate(conn, "backfill")
    result = apply.apply_plan(conn, "backfill", logical_date=datetime(2026, 11, 1), force=True)
    assert result.counts["accounts"]["remove"] == 4


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


def test_six_guardians_put_the_school_on_hold(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    day2 = small_district()
    for g in range(6):
        day2.users.append((f"X{g}", "parent", "G", f"Uardian{g}", f"x{g}@home.org", "", "", "", ""))
        day2.relationships.append(("SS000", f"X{g}", "Other", "guardian"))
    _, found = prepare(conn, day2, tmp_path, "r2")
    assert [(h.school, h.reason) for h in found] == [("S", "data_configuration")]


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


def test_updates_above_the_share_hold_the_school(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    day2 = small_district()
    renamed = ("SS", "PS")  # every student and parent of school S: 40 of its 41 accounts
    day2.users = [(*u[:3], u[3] + "-new", *u[4:]) if u[0].startswith(renamed) else u for u in day2.users]
    _, found = prepare(conn, day2, tmp_path, "r2")
    assert [(h.school, h.reason) for h in found] == [("S", "data_updates")]
    assert found[0].detail == "40 of 41 accounts would be updated (97.6%, limit 75%)"


def test_an_apply_keeps_only_its_own_snapshot_and_plan(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    sync(conn, small_district(students_per_school=21), tmp_path, "r2")
    for table in ("snap_people", "snap_memberships", "plan_accounts", "plan_runs", "record_issues"):
        runs = {r for (r,) in conn.execute(f"SELECT DISTINCT run_id FROM {table}").fetchall()}
        assert runs <= {"r2"}, table
    assert conn.execute("SELECT count(*) FROM change_log WHERE run_id = 'r1'").fetchone()[0] > 0


def test_a_run_whose_plan_another_apply_removed_is_refused_as_superseded(conn, tmp_path):
    from rostersync import plan

    sync(conn, small_district(), tmp_path, "r1")
    prepare(conn, small_district(students_per_school=21), tmp_path, "r2")  # planned, not applied
    sync(conn, small_district(students_per_school=22), tmp_path, "r3")  # a later run applies first
    with pytest.raises(plan.PlanSuperseded, match="superseded by run r3.*Clear normalize"):
        apply.apply_plan(conn, "r2")
