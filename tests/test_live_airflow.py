"""Against a running Airflow (the local stack of `make run`, on free loopback ports): setting the approval
task to success through the REST API, as any user who may change task states can, releases nothing."""

from __future__ import annotations

import time

import pytest
from conftest import local_stack
from rostersync import store

pytestmark = [pytest.mark.live, pytest.mark.timeout(900)]

DAG = "roster_sync__riverside"


@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    """`python -m rostersync.dev.stack run` with its own AIRFLOW_HOME, data folder and API port."""
    from rostersync.dev.stack import Api

    root = tmp_path_factory.mktemp("live")
    with local_stack(root) as (url, _env):
        api = Api(url)
        api.wait_until(f"{DAG} to be parsed", lambda: api.call("GET", f"/dags/{DAG}"), 300)
        api.call("PATCH", f"/dags/{DAG}", json={"is_paused": False})
        yield api, root / "data"


def test_setting_approve_to_success_through_the_rest_api_makes_apply_diff_refuse(airflow):
    api, data = airflow
    run = api.call("POST", f"/dags/{DAG}/dagRuns", json={"logical_date": None})
    runs = f"/dags/{DAG}/dagRuns/{run['dag_run_id']}"
    api.wait_until(
        "the gate to wait", lambda: api.call("GET", f"{runs}/taskInstances/approve")["state"] == "awaiting_input", 300
    )
    time.sleep(api.ANSWER_DELAY)  # let the scheduler finish parking the task, as a person would take a moment
    api.call("PATCH", f"{runs}/taskInstances/approve", json={"new_state": "success"})
    state = api.wait_until(
        "the run to end", lambda: (s := api.call("GET", runs)["state"]) in ("success", "failed") and s, 300
    )
    states = {t["task_id"]: t["state"] for t in api.call("GET", f"{runs}/taskInstances")["task_instances"]}
    assert state == "failed" and states["approve"] == "success", states
    assert states["apply_diff"] == "failed", states
    logs = api.http.get(f"{api.base}{runs}/taskInstances/apply_diff/logs/1", timeout=30).text
    assert "R020" in logs and "no answer from the approval gate" in logs
    with store.connect("riverside", data, read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (0,)
        [(status, answer)] = conn.execute("SELECT status, gate_answer FROM sync_runs").fetchall()
    assert (status, answer) == ("waiting for approval", None)


def test_an_approver_releases_one_school_through_the_rest_api_with_a_reason(airflow):
    """The REST PATCH the Required Actions page sends: one school's option and a reason. The API server
    checks the answer against the options the gate stored for this run."""
    api, data = airflow
    run = api.call("POST", f"/dags/{DAG}/dagRuns", json={"logical_date": None})
    runs = f"/dags/{DAG}/dagRuns/{run['dag_run_id']}"
    api.wait_until(
        "the gate to wait", lambda: api.call("GET", f"{runs}/taskInstances/approve")["state"] == "awaiting_input", 300
    )
    detail = api.call("GET", f"{runs}/taskInstances/approve/-1/hitlDetails")
    options = detail["options"]
    assert options[:2] == ["Approve", "Reject"] and len(options) > 3, options
    assert detail["multiple"] is True and "reason" in detail["params"]
    chosen = options[2]
    api.answer_gate(DAG, run["dag_run_id"], [chosen], {"reason": "checked by phone"})
    state = api.wait_until(
        "the run to end", lambda: (s := api.call("GET", runs)["state"]) in ("success", "failed") and s, 300
    )
    states = {t["task_id"]: t["state"] for t in api.call("GET", f"{runs}/taskInstances")["task_instances"]}
    assert state == "success" and states["apply_diff"] == "success", states
    assert states["outcome"] == "skipped", states  # partly released: not all green
    with store.connect("riverside", data, read_only=True) as conn:
        [(school,)] = conn.execute(
            "SELECT school_id FROM gate_options WHERE run_id = ? AND option = ?", [run["dag_run_id"], chosen]
        ).fetchall()
        assert conn.execute("SELECT DISTINCT school_id FROM accounts").fetchall() == [(school,)]
        released = conn.execute(
            "SELECT school_id, released, reason FROM gate_decisions WHERE run_id = ? AND released",
            [run["dag_run_id"]],
        ).fetchall()
    assert released == [(school, True, "checked by phone")]
