"""End to end: the district DAG under dag.test(), against a real SFTP server and a real SMTP sink on loopback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import pytest
from conftest import DEMO_FILES, airflow_connection, district_yaml
from hitl import GateAnswerer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

DISTRICT = "e2eville"
DAG_ID = f"roster_sync__{DISTRICT}"


@pytest.fixture(scope="module")
def airflow_db():
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )


@pytest.fixture
def stack(tmp_path, monkeypatch, airflow_db):
    """SFTP with the demo files (settled an hour ago), an SMTP sink, connections, configs and data dirs."""
    from rostersync.dev.servers import SftpServer, SmtpSink

    sftp_root = tmp_path / "sftp"
    with SftpServer(sftp_root, {DISTRICT: "secret"}) as sftp, SmtpSink(tmp_path / "mail") as smtp:
        drop = sftp_root / DISTRICT
        shutil.copytree(DEMO_FILES, drop, dirs_exist_ok=True)
        an_hour_ago = time.time() - 3600
        for f in drop.iterdir():
            os.utime(f, (an_hour_ago, an_hour_ago))
        monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "data"))
        monkeypatch.setenv("ROSTERSYNC_CONFIG", str(tmp_path / "config"))
        district_yaml(tmp_path / "config", DISTRICT)
        monkeypatch.setenv(
            f"AIRFLOW_CONN_SFTP_{DISTRICT.upper()}",
            airflow_connection(
                "sftp",
                host="127.0.0.1",
                port=sftp.port,
                login=DISTRICT,
                password="secret",
                extra={"no_host_key_check": True},
            ),
        )
        monkeypatch.setenv(
            "AIRFLOW_CONN_SMTP_DEFAULT",
            airflow_connection(
                "smtp",
                host="127.0.0.1",
                port=smtp.port,
                extra={"from_email": "rostersync@example.org", "disable_tls": True, "disable_ssl": True},
            ),
        )
        yield {"smtp": smtp, "data": tmp_path / "data", "drop": drop, "config": tmp_path / "config"}


def load_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(Path(__file__).resolve().parents[1] / "dags" / "district_sync.py"))
    assert not bag.import_errors, bag.import_errors
    return bag.dags[DAG_ID]


def run_dag(answer, logical_date=None, params: dict | None = None, time_out: bool = False):
    """One dag.test() run; `answer` is what the approver chooses (an option, several, or a function of
    the options offered), None when no gate is expected; `time_out`: nobody answers in time."""
    dag = load_dag()
    answerer = GateAnswerer(DAG_ID, answer or "Approve", params=params, time_out=time_out)
    answerer.start()
    try:
        dag_run = dag.test(logical_date=logical_date)
    finally:
        answerer.stop()
        answerer.join(timeout=10)
    assert answerer.error is None, answerer.error
    if answer is None and not time_out:
        assert answerer.answered_run is None, "the run waited at the gate but no hold was expected"
    else:
        assert answerer.answered_run == dag_run.run_id, "the run never waited at the gate"
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    return dag_run, states, answerer


def roster_query(data: Path, *queries: str) -> list[list]:
    """The rows of each query, read from the district's store without holding its lock."""
    conn = duckdb.connect(str(data / DISTRICT / "roster.duckdb"), read_only=True)
    try:
        return [conn.execute(q).fetchall() for q in queries]
    finally:
        conn.close()


def roster_rows(data: Path) -> dict[str, list]:
    tables = ("accounts", "classes", "memberships", "schools")
    return dict(zip(tables, roster_query(data, *(f"SELECT * FROM {t} ORDER BY ALL" for t in tables)), strict=True))


def expected_counts() -> dict[str, int]:
    import csv

    users = list(csv.DictReader((DEMO_FILES / "users.csv").open()))
    return {
        "accounts": len(users),
        "classes": sum(1 for _ in (DEMO_FILES / "classes.csv").open()) - 1,
    }


def personal_data() -> list[str]:
    """Emails, phones and full names of the fixture's people: none of them may reach a task log."""
    import csv

    found = []
    for user in csv.DictReader((DEMO_FILES / "users.csv").open()):
        found += [v for v in (user["email"], user["phone"]) if v]
        found.append(f"{user['first_name']} {user['last_name']}")
        found.append(f"{user['first_name']},{user['last_name']}")
    return found


def test_approved_first_sync_fills_the_roster_and_emails_the_admin(stack, capfd, caplog):
    caplog.set_level("INFO")
    dag_run, states, answerer = run_dag("Approve")
    logs = "".join(capfd.readouterr()) + caplog.text
    assert "apply_diff" in logs and "applied:" in logs  # the task logs were captured
    leaked = [value for value in personal_data() if value in logs]
    assert leaked == [], f"personal data in task logs: {leaked[:5]}"
    assert dag_run.state == "success", states
    assert all(s == "success" for s in states.values()), states
    assert "first sync" in answerer.subject
    roster = roster_rows(stack["data"])
    expected = expected_counts()
    assert len(roster["accounts"]) == expected["accounts"]
    assert len(roster["classes"]) == expected["classes"]
    assert len(roster["memberships"]) > expected["classes"]
    [run] = roster_query(stack["data"], "SELECT status, gate_answer, approved_by FROM sync_runs")
    assert run == [("applied", "Approve", "approver")]
    hold, mail = stack["smtp"].messages
    assert "2 school(s) on hold" in hold["Subject"]  # the first sync holds both schools for review
    [attachment] = list(hold.iter_attachments())
    assert attachment.get_filename() == "destructive_changes.csv"
    assert mail["To"] == "admin@testville.example.org"
    assert "roster sync applied" in mail["Subject"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"created {expected['accounts']}" in text

    # The same files again: no new data, so nothing runs past land_files and nobody is asked.
    second, states, _ = run_dag(None)
    assert second.state == "success"
    assert states["land_files"] == "skipped" and states["apply_diff"] == "skipped", states
    assert roster_rows(stack["data"]) == roster
    assert len(stack["smtp"].messages) == 2  # no new data: no email


def test_rejected_first_sync_leaves_the_roster_unchanged(stack):
    from rostersync import store

    with store.connect(DISTRICT, stack["data"]):
        pass  # an empty, migrated store: what a district has before its first sync
    before = roster_rows(stack["data"])
    dag_run, states, _ = run_dag("Reject")
    assert dag_run.state == "success", states
    assert roster_rows(stack["data"]) == before
    hold, mail = stack["smtp"].messages
    assert "on hold" in hold["Subject"] and "rejected" in mail["Subject"]


def by_subject(messages, words: str):
    [found] = [m for m in messages if words in m["Subject"]]
    return found


def test_the_approver_releases_one_school_and_the_other_is_offered_again_with_no_new_upload(stack, monkeypatch):
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://airflow.example.org")
    district_yaml(stack["config"], DISTRICT, approver_emails=["lead@impl.example.org"])

    def first_school(options: list[str]) -> list[str]:
        return [o for o in options if o.startswith("Release ")][:1]

    dag_run, states, answerer = run_dag(first_school, params={"reason": "checked with the principal"})
    assert answerer.options[:2] == ["Approve", "Reject"] and len(answerer.options) == 4, answerer.options
    assert dag_run.state == "success"
    assert states["apply_diff"] == "success" and states["notify"] == "success"
    assert states["outcome"] == "skipped", "a partly released run must not look like an approved one"
    [options, decisions, schools] = roster_query(
        stack["data"],
        "SELECT option, school_id FROM gate_options",
        "SELECT school_id, released, reason, decided_by FROM gate_decisions ORDER BY ALL",
        "SELECT DISTINCT school_id FROM accounts",
    )
    released = dict(options)[first_school(answerer.options)[0]]
    other = next(school for school, is_released, *_ in decisions if not is_released)
    assert sorted(decisions) == sorted(
        [
            (released, True, "checked with the principal", "approver"),
            (other, False, "checked with the principal", "approver"),
        ]
    )
    assert schools == [(released,)]  # exactly that school applied

    waiting = by_subject(stack["smtp"].messages, "wait for your approval")
    assert waiting["To"] == "lead@impl.example.org"
    text = waiting.get_body(preferencelist=("plain",)).get_content()
    [link] = [w for w in text.split() if w.startswith("http://airflow.example.org/") and "required_actions" in w]
    assert urlparse(link).path == f"/dags/{DAG_ID}/runs/{dag_run.run_id}/tasks/approve/required_actions"

    # The same files the next night: no new upload, but a school still waits, so the run asks again.
    second, states, answerer = run_dag("Approve")
    assert [o for o in answerer.options if o.startswith("Release ")] == [o for o, school in options if school == other]
    assert states["outcome"] == "success" and states["land_files"] == "success"
    [schools] = roster_query(stack["data"], "SELECT DISTINCT school_id FROM accounts ORDER BY 1")
    assert schools == sorted([(released,), (other,)])


def test_a_gate_nobody_answers_applies_nothing_held_and_tells_the_admins(stack):
    dag_run, states, answerer = run_dag(None, time_out=True)
    assert dag_run.state == "success", states
    assert states["approve"] == "success" and states["apply_diff"] == "success"
    assert states["outcome"] == "skipped"
    [accounts, runs] = roster_query(stack["data"], "SELECT count(*) FROM accounts", "SELECT status FROM sync_runs")
    assert accounts == [(0,)] and runs == [("approval timed out",)]
    told = by_subject(stack["smtp"].messages, "approval timed out")
    assert told["To"] == "admin@testville.example.org"
    # the next run of the same files asks again
    second, states, answerer = run_dag("Approve")
    assert states["outcome"] == "success"
    [accounts] = roster_query(stack["data"], "SELECT count(*) FROM accounts")
    assert accounts[0][0] == expected_counts()["accounts"]


def test_a_changed_upload_applies_without_waiting_when_nothing_is_held(stack):
    run_dag("Approve")
    users = stack["drop"] / "users.csv"
    lines = users.read_text().splitlines(keepends=True)
    # rename one student: an update, far below every hold threshold
    i = next(n for n, line in enumerate(lines) if ",student," in line)
    fields = lines[i].split(",")
    fields[3] = fields[3] + "-Renamed"
    lines[i] = ",".join(fields)
    users.write_text("".join(lines))
    os.utime(users, (time.time() - 3600, time.time() - 3600))
    dag_run, states, _ = run_dag(None)
    assert dag_run.state == "success", states
    assert states["approve"] == "success" and states["apply_diff"] == "success"
    [[(counts,)]] = roster_query(stack["data"], "SELECT counts FROM sync_runs ORDER BY applied_at DESC LIMIT 1")
    assert json.loads(counts)["accounts"]["update"] == 1


def test_a_oneroster_zip_over_sftp_syncs_end_to_end(stack, tmp_path):
    import zipfile

    from test_formats import repaired_grand_bend

    package = repaired_grand_bend(tmp_path)
    for f in stack["drop"].iterdir():
        f.unlink()
    with zipfile.ZipFile(stack["drop"] / "grand-bend.zip", "w") as archive:
        for f in package.iterdir():
            archive.write(f, f.name)
    an_hour_ago = time.time() - 3600
    os.utime(stack["drop"] / "grand-bend.zip", (an_hour_ago, an_hour_ago))
    district_yaml(
        Path(os.environ["ROSTERSYNC_CONFIG"]),
        DISTRICT,
        source={"format": "oneroster_v1_1", "conn_id": f"sftp_{DISTRICT}", "settle_seconds": 60},
    )
    # The sample's school year is 2020-2021: the run stands for a day in its fall term (its logical date).
    from datetime import UTC, datetime

    dag_run, states, _ = run_dag("Approve", logical_date=datetime(2020, 10, 1, 7, tzinfo=UTC))
    assert dag_run.state == "success", states
    accounts, [(memberships,)], [(data_date,)] = roster_query(
        stack["data"],
        "SELECT role, count(*) FROM accounts GROUP BY role",
        "SELECT count(*) FROM memberships",
        "SELECT data_date FROM plan_runs",
    )
    assert dict(accounts) == {"student": 8, "teacher": 2} and memberships == 12
    assert str(data_date) == "2020-10-01"


def test_a_clever_district_syncs_end_to_end(stack, tmp_path, monkeypatch):
    from rostersync.dev.clever_server import CleverServer
    from test_formats import FIXTURES

    with CleverServer(FIXTURES / "clever-demo-district", "district-token") as server:
        monkeypatch.setenv(
            "AIRFLOW_CONN_CLEVER_E2E", airflow_connection("http", host=server.url, password="district-token")
        )
        district_yaml(
            Path(os.environ["ROSTERSYNC_CONFIG"]), DISTRICT, source={"kind": "clever", "conn_id": "clever_e2e"}
        )
        dag_run, states, _ = run_dag("Approve")
    assert dag_run.state == "success", states
    accounts, [(classes,)], [(schools,)] = roster_query(
        stack["data"],
        "SELECT role, count(*) FROM accounts GROUP BY role",
        "SELECT count(*) FROM classes",
        "SELECT count(*) FROM schools",
    )
    # Of 89 teachers, two have no usable email (E101: 'seth_schoen.example.org' has no @, and
    # 'hauc"k.haylie@example.com' an unquoted quote) and two teach only at schools no section names
    # (so no school of this district): 85 accounts. Every student and contact gets one.
    assert dict(accounts) == {"student": 1004, "teacher": 85, "guardian": 1002}
    assert (classes, schools) == (378, 3)
    assert len(list((stack["data"] / "landing" / DISTRICT).glob("*/users/page-*.json.gz"))) == 21


def test_notify_accounts_welcomes_each_new_account_of_a_school_once(stack, capfd, caplog):
    import csv

    from airflow.dag_processing.dagbag import DagBag

    run_dag("Approve")
    sync_emails = len(stack["smtp"].messages)
    caplog.set_level("INFO")
    bag = DagBag(dag_folder=str(Path(__file__).resolve().parents[1] / "dags" / "notify_accounts.py"))
    assert not bag.import_errors, bag.import_errors
    dag = bag.dags["notify_accounts"]
    conf = {"district": DISTRICT, "school": "SCH0001", "roles": ["teachers", "parents", "students"]}
    first = dag.test(run_conf=conf)
    second = dag.test(run_conf=conf)
    assert first.state == second.state == "success"
    logs = "".join(capfd.readouterr()) + caplog.text
    assert "welcome emails sent" in logs
    leaked = [value for value in personal_data() if value in logs]
    assert leaked == [], f"personal data in task logs: {leaked[:5]}"

    welcomes = stack["smtp"].messages[sync_emails:]
    recipients = [m["To"] for m in welcomes]
    assert len(recipients) == len(set(recipients)), "an account was welcomed twice"
    [[(with_email,)], [(without_email,)]] = roster_query(
        stack["data"],
        "SELECT count(*) FROM accounts WHERE school_id = 'SCH0001' AND email IS NOT NULL",
        "SELECT count(*) FROM accounts WHERE school_id = 'SCH0001' AND email IS NULL",
    )
    assert len(welcomes) == with_email > 0
    teachers = {u["email"] for u in csv.DictReader((DEMO_FILES / "users.csv").open()) if u["role"] == "teacher"}
    first_non_teacher = next(i for i, r in enumerate(recipients) if r not in teachers)
    assert all(r not in teachers for r in recipients[first_non_teacher:]), "teachers come first"
    not_sent = list(stack["data"].glob("reports/*/*/welcome_not_sent.csv"))
    assert (without_email > 0) == bool(not_sent)
