"""Apply: the frozen plan verbatim in one transaction, once; rollback; backfills; superseded runs. On both
roster stores (the DuckDB file, and PostgreSQL: conftest's roster_backend)."""

from datetime import datetime

import pytest
from roster_helpers import answer_gate, full_roster, prepare, small_district, sync, sync_owned_state
from rostersync import apply, runs

pytestmark = pytest.mark.usefixtures("roster_backend")


def test_the_store_is_the_one_the_test_asks_for(conn, roster_backend):
    (catalogs,) = conn.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = 'pg_roster'").fetchone()
    assert catalogs == (1 if roster_backend else 0)


def test_a_rejected_first_sync_applies_nothing(conn, tmp_path):
    _, _, result = sync(conn, small_district(), tmp_path, "r1", answer="Reject")
    assert result.counts["accounts"]["create"] == 0
    assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == 0
    assert runs.load_sync_run(conn, "r1").status == "rejected"
    assert runs.last_applied_upload(conn) is None


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


def test_an_apply_replaces_each_changed_row_once_and_keeps_what_the_user_and_the_app_own(conn, tmp_path):
    """Changed accounts and memberships are replaced (deleted, inserted) in a DuckDB file and updated in
    place in PostgreSQL: either way every other column stays, each row is there once, the ids stay."""
    sync(conn, small_district(), tmp_path, "r1")
    claimed = "UPDATE accounts SET status = 'active', claimed_at = TIMESTAMP '2026-09-01', email = ?, phone = ? "
    conn.execute(claimed + "WHERE person_sid IN ('TN', 'SN001')", ["mine@example.org", "+15550100"])
    ids = dict(conn.execute("SELECT person_sid, account_id FROM accounts").fetchall())
    day2 = small_district()
    day2.users = [("TN", *u[1:3], "Renamed", *u[4:]) if u[0] == "TN" else u for u in day2.users if u[0] != "SN001"]
    day2.class_enrollments = [e for e in day2.class_enrollments if e[1] != "SN000"]
    sync(conn, day2, tmp_path, "r2")
    rows = conn.execute(
        "SELECT person_sid, account_id, family_name, status, claimed_at, email, phone, created_run, updated_run, "
        "removed_run FROM accounts WHERE person_sid IN ('TN', 'SN001') ORDER BY person_sid"
    ).fetchall()
    stamp = datetime(2026, 9, 1)
    assert rows == [
        ("SN001", ids["SN001"], rows[0][2], "deactivated", stamp, "mine@example.org", "+15550100", "r1", "r2", "r2"),
        ("TN", ids["TN"], "Renamed", "active", stamp, "mine@example.org", "+15550100", "r1", "r2", None),
    ]
    removed = conn.execute(
        "SELECT a.person_sid, m.status, m.created_run, m.updated_run, m.removed_run FROM memberships m "
        "JOIN accounts a USING (account_id) WHERE a.person_sid IN ('SN000', 'SN001') ORDER BY ALL"
    ).fetchall()
    assert removed and all(r[1:] == ("removed", "r1", "r2", "r2") for r in removed)
    assert conn.execute(
        "SELECT count(*) FROM (SELECT class_id, account_id FROM memberships GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone() == (0,)
    assert conn.execute("SELECT count(*) - count(DISTINCT person_sid) FROM accounts").fetchone() == (0,)


def test_a_roster_row_given_twice_is_changed_once_per_row_and_not_multiplied(conn, tmp_path):
    """A roster that already holds an account twice (its id and person twice): a removal deactivates both
    rows and removes each membership row once, as an UPDATE would; nothing is added."""
    sync(conn, small_district(), tmp_path, "r1")
    conn.execute("INSERT INTO accounts SELECT * FROM accounts WHERE person_sid = 'SN001'")
    counted = (
        "SELECT (SELECT count(*) FROM accounts WHERE person_sid = 'SN001'), (SELECT count(*) FROM memberships "
        "WHERE account_id IN (SELECT account_id FROM accounts WHERE person_sid = 'SN001'))"
    )
    before = conn.execute(counted).fetchone()
    day2 = small_district()
    day2.users = [u for u in day2.users if u[0] != "SN001"]
    sync(conn, day2, tmp_path, "r2")
    assert conn.execute(counted).fetchone() == before
    assert conn.execute("SELECT DISTINCT status FROM accounts WHERE person_sid = 'SN001'").fetchall() == [
        ("deactivated",)
    ]
    assert conn.execute(
        "SELECT DISTINCT status FROM memberships WHERE account_id IN "
        "(SELECT account_id FROM accounts WHERE person_sid = 'SN001')"
    ).fetchall() == [("removed",)]
