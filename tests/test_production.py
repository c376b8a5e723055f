"""The production stack of deploy/airflow.env on this machine's PostgreSQL and Redis: Airflow's
api-server, scheduler, dag-processor and triggerer, and one Celery worker per queue; two districts
(SFTP and Clever, each on its own queue) triggered at the same time and approved through the REST API
as FAB users; both rosters checked afterwards in PostgreSQL (ROSTERSYNC_ROSTER_URL), where the app reads
them, and on the Rosters pages. The test makes and drops its own databases (Airflow's and the roster's)
and Redis key prefix, and stops every process it started."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from conftest import local_stack, postgres_database

pytestmark = [pytest.mark.live, pytest.mark.timeout(1500)]

REPO = Path(__file__).resolve().parents[1]
QUEUES = {"riverside": "host_a", "lakeside": "host_b"}


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    import redis
    from rostersync.dev.stack import Api

    root = tmp_path_factory.mktemp("production")
    prefix = f"rostersync-e2e-{secrets.token_hex(4)}:"
    configs = root / "config"
    configs.mkdir()
    for district, queue in QUEUES.items():
        text = (REPO / "config" / "districts" / f"{district}.yaml").read_text()
        (configs / f"{district}.yaml").write_text(f"{text}\nqueue: {queue}\n")
    try:
        with (
            postgres_database() as metadata,  # Airflow's
            postgres_database() as rosters,
            local_stack(
                root,
                "--production",
                ROSTERSYNC_DATA=str(root / "shared"),
                ROSTERSYNC_ROSTER_URL=rosters,
                ROSTERSYNC_CONFIG=str(configs),
                ROSTERSYNC_METADATA_URL=metadata.replace("postgresql://", "postgresql+psycopg2://", 1),
                ROSTERSYNC_REDIS_PREFIX=prefix,
            ) as (url, _env),
        ):
            passwords = json.loads((root / "airflow" / "passwords.json").read_text())
            api = Api(url, ("admin", passwords["admin"]))
            api.wait_until("the admin's token", lambda: api.log_in() or True, 120)
            for district in QUEUES:
                dag = f"roster_sync__{district}"
                api.wait_until(f"{dag} to be parsed", lambda dag=dag: api.call("GET", f"/dags/{dag}"), 300)
                api.call("PATCH", f"/dags/{dag}", json={"is_paused": False})
            yield {
                "api": api,
                "url": url,
                "root": root,
                "metadata": metadata,
                "rosters": rosters,
                "prefix": prefix,
                "log": root / "stack.log",
            }
    finally:
        client = redis.Redis(host="127.0.0.1", port=6379)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)


def _ended(api, path: str) -> str | None:
    state = api.call("GET", path)["state"]
    return state if state in ("success", "failed") else None


def _wait(api, what: str, check, timeout: float = 600):
    return api.wait_until(what, check, timeout, every=3)


def test_two_districts_sync_at_once_on_the_celery_workers_of_their_queues(production):
    import psycopg2
    import redis

    api = production["api"]
    runs = {
        district: api.call("POST", f"/dags/roster_sync__{district}/dagRuns", json={"logical_date": None})["dag_run_id"]
        for district in QUEUES
    }  # both at once
    for district, run_id in runs.items():
        gate = f"/dags/roster_sync__{district}/dagRuns/{run_id}/taskInstances/approve"
        _wait(api, f"{district}'s gate", lambda gate=gate: api.call("GET", gate).get("state") == "awaiting_input")
    for district, run_id in runs.items():
        api.answer_gate(f"roster_sync__{district}", run_id, ["Approve"])
    for district, run_id in runs.items():
        path = f"/dags/roster_sync__{district}/dagRuns/{run_id}"
        state = _wait(api, f"{district}'s run to end", lambda path=path: _ended(api, path))
        tasks = api.call("GET", f"{path}/taskInstances")["task_instances"]
        assert state == "success", {t["task_id"]: t["state"] for t in tasks}
        ran = [t for t in tasks if t["state"] == "success"]
        assert {t["queue"] for t in ran} == {QUEUES[district]}, "every task of a district on its queue"
        assert all(t["hostname"] for t in ran)

    with psycopg2.connect(production["rosters"]) as conn, conn.cursor() as cursor:
        for district in QUEUES:  # where the app reads the roster: PostgreSQL, schema rs_<district>
            cursor.execute(f"SELECT count(*) FROM rs_{district}.accounts WHERE removed_run IS NULL")  # noqa: S608
            accounts = (cursor.fetchone() or (0,))[0]
            cursor.execute(f"SELECT status FROM rs_{district}.sync_runs WHERE run_id = %s", [runs[district]])  # noqa: S608
            row = cursor.fetchone()
            assert accounts > 0 and row == ("applied",), district
            cursor.execute(f"SELECT count(*) FROM rs_{district}.memberships")  # noqa: S608
            assert (cursor.fetchone() or (0,))[0] > 0
    shared = production["root"] / "shared"
    assert (shared / "riverside" / "roster.duckdb").exists()  # the working file, on the shared volume
    assert not (shared / "riverside" / "store_home.json").exists()  # no host holds the district

    for district in QUEUES:  # the Rosters pages read the same rosters, as the admin (bearer token)
        page = api.http.get(f"{production['url']}/rosters/{district}/", timeout=60)
        assert page.status_code == 200 and "<h2>Runs</h2>" in page.text, (district, page.status_code, page.text[:300])
        assert runs[district] in page.text

    with psycopg2.connect(production["metadata"]) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT dag_id, state FROM dag_run WHERE dag_id LIKE 'roster_sync__%%' ORDER BY dag_id")
        assert cursor.fetchall() == [("roster_sync__lakeside", "success"), ("roster_sync__riverside", "success")]
        cursor.execute("SELECT count(*) FROM ab_user")  # FAB's users: the auth manager's own tables
        assert (cursor.fetchone() or (0,))[0] >= 2
    keys = list(redis.Redis(host="127.0.0.1", port=6379).scan_iter(match=f"{production['prefix']}*"))
    assert keys, "the broker's keys are under the deployment's prefix"
