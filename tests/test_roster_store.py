"""The roster store's contract, run against both stores: the district's DuckDB file (the embedded default)
and PostgreSQL (ROSTERSYNC_ROSTER_URL, a database of the machine's server made and dropped per test).

Apply, rerun, rollback and a change by the app between plan and apply behave the same in both; the roster
is read back where the app reads it (the DuckDB file, or PostgreSQL through psycopg2). Crash, concurrent
applies and two districts in parallel: tests/test_crash.py, on both stores too."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import psycopg2
import pytest
from roster_helpers import answer_gate, config, full_roster, prepare, small_district, sync
from rostersync import apply, plan, roster_pg, store
from rostersync.errors import RosterSyncError

pytestmark = [pytest.mark.usefixtures("roster_backend"), pytest.mark.timeout(300)]

ROSTER = ("schools", "school_state", "accounts", "classes", "memberships", "sync_runs", "change_log")


def app_rows(root: Path, table: str, columns: str) -> list[tuple]:
    """What the app reads: PostgreSQL's schema rs_<district> through psycopg2, or the DuckDB file."""
    url = roster_pg.roster_url()
    if url:
        with psycopg2.connect(url) as pg, pg.cursor() as cur:
            cur.execute(f"SELECT {columns} FROM rs_unit.{table} ORDER BY 1, 2")  # noqa: S608 (test's own names)
            return cur.fetchall()
    with duckdb.connect(str(store.roster_path("unit", root)), read_only=True) as conn:
        return conn.execute(f"SELECT {columns} FROM {table} ORDER BY 1, 2").fetchall()  # noqa: S608


def app_sql(root: Path, statement: str) -> None:
    """A change the app makes to the roster, where it lives."""
    url = roster_pg.roster_url()
    if url:
        with psycopg2.connect(url) as pg, pg.cursor() as cur:
            cur.execute(statement.replace("FROM ", "FROM rs_unit.").replace("UPDATE ", "UPDATE rs_unit."))
        return
    with duckdb.connect(str(store.roster_path("unit", root))) as conn:
        conn.execute(statement)


def test_an_apply_writes_the_roster_where_the_app_reads_it(tmp_path):
    with store.connect("unit", tmp_path) as conn:
        _, _, result = sync(conn, small_district(), tmp_path, "r1")
        seen = conn.execute("SELECT person_sid, status FROM accounts ORDER BY 1, 2").fetchall()
        main_tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            ).fetchall()
        }
        in_postgres = store.roster_in_postgres(conn)
    assert in_postgres is bool(roster_pg.roster_url())
    assert result.counts["accounts"]["create"] == len(seen) == 82
    assert app_rows(tmp_path, "accounts", "person_sid, status") == seen
    assert app_rows(tmp_path, "sync_runs", "run_id, status") == [("r1", "applied")]
    if roster_pg.roster_url():  # the DuckDB file keeps the working tables only
        assert not main_tables & set(ROSTER), main_tables & set(ROSTER)
        assert "plan_accounts" in main_tables
    else:
        assert set(ROSTER) <= main_tables


def test_a_rerun_changes_nothing_and_the_next_run_applies_only_its_changes(tmp_path):
    with store.connect("unit", tmp_path) as conn:
        sync(conn, small_district(), tmp_path, "r1")
        again = apply.apply_plan(conn, "r1")
        assert again.already_applied
        day2 = small_district()
        day2.users = [u for u in day2.users if u[0] != "SN000"]
        _, _, result = sync(conn, day2, tmp_path, "r2")
    assert result.counts["accounts"] == {"create": 0, "update": 0, "remove": 1}
    assert result.counts["memberships"]["remove"] == 1  # the student's class
    assert ("SN000", "deactivated") in app_rows(tmp_path, "accounts", "person_sid, status")
    assert app_rows(tmp_path, "sync_runs", "run_id, status") == [("r1", "applied"), ("r2", "applied")]


def test_a_rollback_restores_the_roster_exactly(tmp_path):
    with store.connect("unit", tmp_path) as conn:
        sync(conn, small_district(), tmp_path, "r1")
        before = full_roster(conn)
        version = store.roster_version(conn)
        day2 = small_district(students_per_school=15)
        day2.classes = [(c[0], c[1], "Algebra", c[3], c[4]) for c in day2.classes]
        _, _, result = sync(conn, day2, tmp_path, "r2")
        assert result.counts["accounts"]["remove"] == 20 and result.counts["classes"]["update"] == 2
        rollback_id = apply.rollback_run(conn, "r2")
        assert full_roster(conn) == before
        assert store.roster_version(conn) == version
    assert app_rows(tmp_path, "sync_runs", "run_id, status") == [
        ("r1", "applied"),
        ("r2", "rolled_back"),
        (rollback_id, "rollback"),
    ]


def test_a_change_by_the_app_after_the_plan_stops_the_apply_and_changes_nothing(tmp_path):
    with store.connect("unit", tmp_path) as conn:
        sync(conn, small_district(), tmp_path, "r1")
        day2 = small_district()
        day2.users = [u for u in day2.users if u[0] != "SN001"]
        prepare(conn, day2, tmp_path / "r2", "r2")
        answer_gate(conn, "r2")
    app_sql(tmp_path, "UPDATE accounts SET claimed_at = TIMESTAMP '2026-11-01 08:00' WHERE person_sid = 'SN002'")
    with store.connect("unit", tmp_path) as conn:
        before = full_roster(conn)
        with pytest.raises(apply.PlanStale):
            apply.apply_plan(conn, "r2")
        assert full_roster(conn) == before
    assert dict(app_rows(tmp_path, "sync_runs", "run_id, applied_at"))["r2"] is None
    assert ("SN001", "pending") in app_rows(tmp_path, "accounts", "person_sid, status")


def test_a_store_opened_with_the_other_roster_setting_is_refused_and_left_alone(tmp_path, monkeypatch):
    url = roster_pg.roster_url()
    with store.connect("unit", tmp_path) as conn:
        sync(conn, small_district(), tmp_path, "r1")
        before = full_roster(conn)
    if url:
        monkeypatch.delenv(roster_pg.ENV)
    else:
        monkeypatch.setenv(roster_pg.ENV, "postgresql://postgres@127.0.0.1:5432/postgres")
    with pytest.raises(RosterSyncError) as refused, store.connect("unit", tmp_path):
        pass
    assert refused.value.code == "R053"
    assert ("set " if url else "is set") in str(refused.value) and "postgres@" not in str(refused.value)
    if url:
        monkeypatch.setenv(roster_pg.ENV, url)
    else:
        monkeypatch.delenv(roster_pg.ENV)
    with store.connect("unit", tmp_path) as conn:
        assert full_roster(conn) == before


HOLD = """
import sys, time
from pathlib import Path
from rostersync import store
with store.connect("unit", Path(sys.argv[1])) as conn:
    print("holding", flush=True)
    time.sleep(120)
"""


def test_a_district_held_by_a_process_is_waited_for_and_a_killed_holder_frees_it_at_once(tmp_path):
    """One process at a time per district (PostgreSQL: an advisory lock of the holder's session; the
    DuckDB file: its lock). A writer waits, then says what kept it; a SIGKILLed holder frees it."""
    with store.connect("unit", tmp_path):
        pass
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        with pytest.raises(store.RosterBusy) as busy, store.connect("unit", tmp_path, lock_wait=2):
            pass
        assert 2 <= time.monotonic() - started < 30
        assert "another process" in str(busy.value) and "nothing was changed" in str(busy.value)
        with pytest.raises(store.RosterBusy), store.connect("unit", tmp_path, read_only=True, lock_wait=1):
            pass  # a reader (the Rosters pages) waits for a writer too
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        with store.connect("unit", tmp_path, lock_wait=30) as conn:
            assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (0,)
    finally:
        holder.kill()
        holder.wait()


def test_readers_share_the_district(tmp_path):
    with store.connect("unit", tmp_path) as conn:
        sync(conn, small_district(), tmp_path, "r1")
    with (
        store.connect("unit", tmp_path, read_only=True, lock_wait=1) as first,
        store.connect("unit", tmp_path, read_only=True, lock_wait=1) as second,
    ):
        assert first.execute("SELECT count(*) FROM accounts").fetchone() == (82,)
        assert second.execute("SELECT count(*) FROM accounts").fetchone() == (82,)


def pg_only() -> str:
    url = roster_pg.roster_url()
    if not url:
        pytest.skip("the PostgreSQL roster only")
    return url


def pg_execute(url: str, statement: str) -> None:
    with psycopg2.connect(url) as pg, pg.cursor() as cur:
        cur.execute(statement)


def test_a_missing_or_foreign_schema_and_a_new_working_file_beside_a_roster_are_refused(tmp_path, monkeypatch):
    """The working file and its PostgreSQL schema carry one store id: a dropped schema (a wrong URL, an
    emptied server) is never taken for a first sync, nor a lost working file replaced by a new one."""
    url = pg_only()
    with store.connect("unit", tmp_path) as conn:
        sync(conn, small_district(), tmp_path, "r1")
    elsewhere = tmp_path / "elsewhere"  # a new working file (a lost one) beside the existing schema
    with pytest.raises(store.RosterElsewhere, match="working file of district unit is new"):
        with store.connect("unit", elsewhere):
            pass
    pg_execute(url, "ALTER SCHEMA rs_unit RENAME TO rs_unit_kept")  # the URL now reaches a database without it
    with pytest.raises(store.RosterElsewhere, match="schema rs_unit is missing"):
        with store.connect("unit", tmp_path):
            pass
    with pytest.raises(store.RosterElsewhere, match="missing"):
        with store.connect("unit", tmp_path, read_only=True):
            pass
    pg_execute(url, "ALTER SCHEMA rs_unit_kept RENAME TO rs_unit")
    with store.connect("unit", tmp_path, read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (82,)


def test_a_store_cut_off_between_its_record_and_its_schema_is_made_on_the_next_connect(tmp_path, monkeypatch):
    url = pg_only()

    def cut_off(*_args):
        raise SystemExit("killed")

    monkeypatch.setattr(roster_pg, "create_schema", cut_off)
    with pytest.raises(SystemExit), store.connect("unit", tmp_path):
        pass
    monkeypatch.undo()
    monkeypatch.setenv(roster_pg.ENV, url)
    with store.connect("unit", tmp_path) as conn:
        sync(conn, small_district(), tmp_path, "r1")
    assert len(app_rows(tmp_path, "accounts", "person_sid, status")) == 82


def test_the_working_files_stay_on_the_shared_volume_with_the_roster_in_postgresql(tmp_path, monkeypatch):
    pg_only()
    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "shared"))
    monkeypatch.setenv("ROSTERSYNC_STORES", str(tmp_path / "local"))
    with pytest.raises(roster_pg.RosterDatabaseError, match="Unset ROSTERSYNC_STORES"), store.connect("unit"):
        pass


def test_a_reader_and_another_district_never_wait_for_the_apps_transaction(tmp_path):
    """Opening a store does no DDL on an existing schema: the app's open transaction on the roster holds
    up neither the Rosters pages nor another district's first run."""
    url = pg_only()
    with store.connect("unit", tmp_path) as conn:
        sync(conn, small_district(), tmp_path, "r1")
    app = psycopg2.connect(url)
    try:
        with app.cursor() as cur:  # the app, mid-transaction, holding row locks on accounts and classes
            cur.execute("UPDATE rs_unit.accounts SET claimed_at = now() WHERE person_sid = 'TN'")
            cur.execute("LOCK TABLE rs_unit.classes IN SHARE ROW EXCLUSIVE MODE")
        started = time.monotonic()
        with store.connect("unit", tmp_path, read_only=True, lock_wait=5) as conn:
            assert conn.execute("SELECT count(*) FROM classes").fetchone() == (2,)
        with store.connect("other", tmp_path, lock_wait=5) as conn:
            assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (0,)
        assert time.monotonic() - started < 20
    finally:
        app.rollback()
        app.close()


def test_an_app_write_during_the_apply_stops_it_whole_as_a_stale_plan(tmp_path, monkeypatch):
    """The apply's PostgreSQL transaction is REPEATABLE READ: a row the app changes after the apply began
    and the apply then updates makes PostgreSQL refuse; the apply is rolled back and says why (R021)."""
    url = pg_only()
    with store.connect("unit", tmp_path) as conn:
        sync(conn, small_district(), tmp_path, "r1")
        day2 = small_district()
        day2.users = [(*u[:3], "Renamed", *u[4:]) if u[0] == "SN002" else u for u in day2.users]
        prepare(conn, day2, tmp_path / "r2", "r2")
        answer_gate(conn, "r2")
        before = full_roster(conn)
        execute = store.execute

        def app_writes_first(connection, name, params=None):
            if name == "apply/apply_plan":  # inside the apply's transaction, after it read the roster
                pg_execute(url, "UPDATE rs_unit.accounts SET claimed_at = now() WHERE person_sid = 'SN002'")
            return execute(connection, name, params)

        monkeypatch.setattr(store, "execute", app_writes_first)
        with pytest.raises(apply.PlanStale, match="changed the roster while this run applied"):
            apply.apply_plan(conn, "r2")
        monkeypatch.setattr(store, "execute", execute)
        after = full_roster(conn)
    assert {k: v for k, v in after.items() if k != "accounts"} == {k: v for k, v in before.items() if k != "accounts"}
    assert ("SN002", "pending") in app_rows(tmp_path, "accounts", "person_sid, status")
    assert dict(app_rows(tmp_path, "sync_runs", "run_id, applied_at"))["r2"] is None


def test_a_password_in_the_url_is_masked_in_every_error(tmp_path, monkeypatch):
    url = pg_only()
    server, database = url.rsplit("/", 1)
    user_host = server.removeprefix("postgresql://")
    user, host = user_host.split("@")
    # libpq quotes a badly encoded token of the URL (the password, here)
    monkeypatch.setenv(roster_pg.ENV, f"postgresql://{user}:Top%Secret@{host}/{database}")
    with pytest.raises(roster_pg.RosterDatabaseError) as bad, store.connect("unit", tmp_path):
        pass
    assert "Secret" not in str(bad.value) and "***" in str(bad.value)
    # DuckDB's postgres extension quotes the whole connection string when it cannot use it (trust auth
    # ignores the password, so psycopg2's lock session connects; the extension's older libpq refuses the option)
    monkeypatch.setenv(roster_pg.ENV, f"postgresql://{user}:s3cret-pw@{host}/{database}?load_balance_hosts=disable")
    with pytest.raises(RosterSyncError) as refused, store.connect("unit", tmp_path / "b"):
        pass
    assert "s3cret-pw" not in str(refused.value), str(refused.value)


IN_FILE = "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND table_name = 'accounts'"


def test_a_district_may_keep_its_roster_apart_from_the_deployments(tmp_path, monkeypatch):
    """`ROSTERSYNC_ROSTER_URL__<district>`: a district's own roster database, or (empty) its DuckDB file
    while the deployment's rosters are in PostgreSQL; the other districts are not affected."""
    from conftest import postgres_database

    deployment = roster_pg.roster_url()
    with postgres_database() as own:
        monkeypatch.setenv(f"{roster_pg.ENV}__unit", "" if deployment else own)
        with store.connect("unit", tmp_path) as conn:
            sync(conn, small_district(), tmp_path, "r1")
            in_file = conn.execute(IN_FILE).fetchone()
            assert store.roster_in_postgres(conn) is not bool(deployment)  # where the apply reads its mark
        with store.connect("other", tmp_path) as conn:  # the deployment's setting
            other_in_file = conn.execute(IN_FILE).fetchone()
            assert store.roster_in_postgres(conn) is bool(deployment)
        with psycopg2.connect(own) as pg, pg.cursor() as cur:
            cur.execute("SELECT to_regclass('rs_unit.accounts') IS NOT NULL")
            in_own = cur.fetchone()[0]
        if deployment:  # unit in its file, other in the deployment's PostgreSQL
            assert in_file == (1,) and other_in_file == (0,) and not in_own
        else:  # unit in its own PostgreSQL, other in its file
            assert in_file == (0,) and other_in_file == (1,) and in_own
            with psycopg2.connect(own) as pg, pg.cursor() as cur:
                cur.execute("SELECT count(*) FROM rs_unit.accounts")
                assert cur.fetchone() == (82,)


def test_a_schema_of_another_store_or_a_file_without_its_id_is_refused(tmp_path):
    url = pg_only()
    with store.connect("unit", tmp_path) as conn:
        sync(conn, small_district(), tmp_path, "r1")
    pg_execute(url, "UPDATE rs_unit.store_identity SET store_id = 'another-store'")
    with pytest.raises(store.RosterElsewhere, match="store another-store's"), store.connect("unit", tmp_path):
        pass
    pg_execute(url, "DROP SCHEMA rs_unit CASCADE")
    pg_execute(url, "CREATE SCHEMA rs_unit; CREATE TABLE rs_unit.accounts (account_id bigint)")  # made by hand
    with pytest.raises(roster_pg.RosterDatabaseError, match="could not be created"):
        with store.connect("unit", tmp_path / "new"):
            pass  # a new store never adopts a schema that is already there
    path = store.roster_path("unit", tmp_path)
    with duckdb.connect(str(path)) as raw:  # a file that says PostgreSQL but names no store id
        raw.execute("DELETE FROM store_settings WHERE key <> 'roster'")
    with pytest.raises(store.RosterElsewhere, match="names no store id"), store.connect("unit", tmp_path):
        pass


def test_every_shape_of_a_password_is_masked(monkeypatch):
    from rostersync.errors import redact_roster_password

    monkeypatch.setenv(f"{roster_pg.ENV}__unit", "postgresql://u@h/db?password=Top%Secret&sslmode=disable")
    assert (
        redact_roster_password('invalid percent-encoded token: "Top%Secret"') == 'invalid percent-encoded token: "***"'
    )
    for text in (
        'Unable to connect to Postgres at "host=h password=Top\\ Secret dbname=d"',
        "Unable to connect to Postgres at \"host=h password='Top\\'Secret' dbname=d\"",
        "at postgresql://someone:Elsewhere1@db.example.org/x",
    ):
        masked = redact_roster_password(text)
        assert "Secret" not in masked and "Elsewhere1" not in masked and "***" in masked, masked


def test_a_sql_comment_is_never_filled_and_a_literal_has_no_control_character():
    filled = store.sql_with("check/attach_live", path=store.literal("/tmp/a'b"))
    assert "--" not in filled and "'/tmp/a''b'" in filled
    with pytest.raises(ValueError, match="control character"):
        store.literal("postgresql://h/db\nCREATE TABLE x AS SELECT 1; --")


def test_a_district_kept_in_its_file_still_takes_the_deployments_lock(tmp_path, monkeypatch):
    """In a deployment whose rosters are in PostgreSQL, a district kept in its DuckDB file (on the shared
    volume, where file locks are not to be trusted) is still one process at a time: by the advisory lock."""
    pg_only()
    monkeypatch.setenv(f"{roster_pg.ENV}__unit", "")
    with store.connect("unit", tmp_path):
        pass
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        with pytest.raises(store.RosterBusy, match="district unit's roster stayed in use"):
            with store.connect("unit", tmp_path, lock_wait=1):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_a_nightly_plan_is_incremental_and_an_app_change_to_memberships_makes_it_full(tmp_path, monkeypatch):
    """The next run's memberships are planned on the last applied run, with the rows of the full diff. A
    membership the app changed since that apply (the roster is no longer as the apply left it), or
    ROSTERSYNC_FULL_PLAN=1, makes the plan full."""
    day2 = small_district()
    day2.class_enrollments = [e for e in day2.class_enrollments if e[1] != "SN003"]
    with store.connect("unit", tmp_path) as conn:
        sync(conn, small_district(), tmp_path, "r1")
        incremental, _ = prepare(conn, day2, tmp_path, "r2")
        rows = conn.execute(
            "SELECT * EXCLUDE (run_id) FROM plan_memberships WHERE run_id = 'r2' ORDER BY ALL"
        ).fetchall()
        full = plan.compute_plan(conn, config(), "r2", full=True)
        assert (incremental.base_run, full.base_run) == ("r1", None)
        assert (
            conn.execute("SELECT * EXCLUDE (run_id) FROM plan_memberships WHERE run_id = 'r2' ORDER BY ALL").fetchall()
            == rows
        )
        assert [r[:3] for r in rows] == [("remove", "CN", "PN003"), ("remove", "CN", "SN003")]
        monkeypatch.setenv(plan.FULL_PLAN_ENV, "1")
        assert plan.compute_plan(conn, config(), "r2").base_run is None
        monkeypatch.delenv(plan.FULL_PLAN_ENV)
    # Two rows changing the same way, in their last column: an XOR of plain row hashes would not see it.
    app_sql(tmp_path, "UPDATE memberships SET status = 'removed' WHERE role = 'owner'")
    with store.connect("unit", tmp_path) as conn:
        after_app = plan.compute_plan(conn, config(), "r2")
        assert after_app.base_run is None
        assert after_app.roster_version != full.roster_version
        assert after_app.changes["memberships"]["create"] == 2  # the owners' memberships, back


@pytest.mark.parametrize(
    ("change", "planned"),
    [
        ("UPDATE accounts SET given_name = 'Renamed' WHERE person_sid = 'SN004'", "update"),
        ("UPDATE accounts SET school_id = 'S' WHERE person_sid = 'PN005'", "update"),
        ("UPDATE accounts SET status = 'deactivated' WHERE person_sid = 'TS'", "reactivate"),
    ],
)
def test_an_app_change_to_an_account_the_sync_owns_makes_the_next_plan_full(tmp_path, change, planned):
    """The incremental plan diffs only the accounts whose records changed: an account the app changed in a
    column the sync owns (a name, a school, a status) must still be put back, so the roster's fingerprint
    holds those columns and the next plan is full."""
    with store.connect("unit", tmp_path) as conn:
        sync(conn, small_district(), tmp_path, "r1")
    app_sql(tmp_path, change)
    with store.connect("unit", tmp_path) as conn:
        after_app, _ = prepare(conn, small_district(), tmp_path, "r2")
        assert after_app.base_run is None
        rows = conn.execute("SELECT op, person_sid FROM plan_accounts WHERE run_id = 'r2'").fetchall()
        assert rows == [(planned, change.split("'")[-2])]


def test_an_account_claimed_in_the_app_keeps_the_next_plan_incremental(tmp_path):
    """A claim (claimed_at, status pending to active) is the app's own write, made every day in a live
    district: it is not in the roster's fingerprint, and the next plan is still incremental."""
    with store.connect("unit", tmp_path) as conn:
        sync(conn, small_district(), tmp_path, "r1")
    app_sql(tmp_path, "UPDATE accounts SET status = 'active', claimed_at = now() WHERE person_sid = 'SN004'")
    with store.connect("unit", tmp_path) as conn:
        claimed, _ = prepare(conn, small_district(), tmp_path, "r2")
        assert claimed.base_run == "r1" and claimed.total == 0
