"""Shared fixtures. Airflow reads its settings at import, so they are set here, before any test imports it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="rostersync-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(REPO / "plugins")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME}/airflow.db"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
for _name in [n for n in os.environ if n.startswith("ROSTERSYNC_ROSTER_URL")]:
    del os.environ[_name]  # never a developer's real roster database (nor a district's): tests make their own

DEMO_FILES = REPO / "demo" / "riverside"


PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
"""The machine's PostgreSQL (trust auth): tests make their own databases on it and drop them."""


@contextmanager
def postgres_database(template: str | None = None) -> Iterator[str]:
    """A new database (a copy of the database `template` if given), dropped afterwards: its URL."""
    import uuid

    import psycopg2
    from psycopg2 import sql

    name = f"rostersync_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(f"{PG_SERVER}/postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            cur.execute(create)
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


@contextmanager
def roster_in(backend: str, template: str | None = None) -> Iterator[str | None]:
    """The roster store for a test: the DuckDB file (None), or a new PostgreSQL database (its URL, also
    set as ROSTERSYNC_ROSTER_URL for the block and the processes it starts)."""
    if backend == "duckdb":
        with pytest.MonkeyPatch.context() as patch:
            patch.delenv("ROSTERSYNC_ROSTER_URL", raising=False)
            yield None
        return
    with postgres_database(template) as url, pytest.MonkeyPatch.context() as patch:
        patch.setenv("ROSTERSYNC_ROSTER_URL", url)
        yield url


@pytest.fixture(params=["duckdb", "postgres"])
def roster_backend(request) -> Iterator[str | None]:
    """Each test of a module that uses it runs against both roster stores (the store's contract)."""
    with roster_in(request.param) as url:
        yield url


@pytest.fixture(autouse=True)
def _roster_backend_from_env() -> Iterator[None]:
    """`ROSTERSYNC_TEST_ROSTER=postgres pytest ...`: every test with its own PostgreSQL roster database."""
    backend = os.environ.get("ROSTERSYNC_TEST_ROSTER", "duckdb")
    if backend == "duckdb":
        yield
        return
    with roster_in(backend):
        yield


@pytest.fixture
def data_root(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "data"
    monkeypatch.setenv("ROSTERSYNC_DATA", str(root))
    return root


@pytest.fixture
def upload(tmp_path) -> Path:
    """A copy of the demo district's Remind CSV 2.0 files, free to change."""
    folder = tmp_path / "upload"
    shutil.copytree(DEMO_FILES, folder)
    return folder


def district_yaml(folder: Path, district_id: str = "testville", **overrides) -> Path:
    import yaml

    config = {
        "district_id": district_id,
        "name": "Testville Unified",
        "source": {"format": "remind_csv_v2", "conn_id": f"sftp_{district_id}", "settle_seconds": 60},
        "admin_emails": ["admin@testville.example.org"],
    }
    config.update(overrides)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{district_id}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def free_port() -> int:
    """A TCP port free on the loopback interface now (for the processes a live test starts)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def local_stack(root: Path, *args: str, **env_values: str) -> Iterator[tuple[str, dict[str, str]]]:
    """`python -m rostersync.dev.stack run [args]` with its own AIRFLOW_HOME, data folder and API port
    under `root` (and `env_values`; none of the test session's AIRFLOW__ settings), its output in
    root/stack.log. Yields (its URL, its environment) once the API server answers; stops it on exit
    (SIGTERM, then SIGKILL to its session after 180 s)."""
    import signal

    from rostersync.dev.stack import Api

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env.update(AIRFLOW_HOME=str(root / "airflow"), ROSTERSYNC_DATA=str(root / "data"), ROSTERSYNC_API_PORT=str(port))
    env.update(env_values)
    url = f"http://127.0.0.1:{port}"
    with (root / "stack.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "rostersync.dev.stack", "run", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            probe = Api(url)

            def healthy() -> object:
                assert process.poll() is None, f"the stack stopped: see {root / 'stack.log'}"
                return probe.call("GET", "/monitor/health")

            probe.wait_until("the API server", healthy, 400)
            yield url, env
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=180)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def airflow_connection(conn_type: str, **fields) -> str:
    return json.dumps({"conn_type": conn_type, **fields})


def pytest_collection_modifyitems(items):
    """Tests against running Airflow processes go last: the slowest, and the least likely to fail first."""
    items.sort(key=lambda item: item.get_closest_marker("live") is not None)


@pytest.fixture
def conn(tmp_path):
    """A migrated store of a district named unit in the test's folder."""
    from rostersync import store

    with store.connect("unit", tmp_path) as connection:
        yield connection


def backdate(folder: Path, seconds: float = 3600) -> Path:
    """Every file of an upload written `seconds` ago (an hour: settled, and fresh)."""
    import time

    then = time.time() - seconds
    for f in folder.iterdir():
        os.utime(f, (then, then))
    return folder


def received(sink, n: int, wait: float = 5.0) -> list:
    """The SMTP sink's messages once it has `n` (or `wait` seconds passed), and a moment more for strays."""
    import time

    deadline = time.time() + wait
    while len(sink.messages) < n and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    return list(sink.messages)


def hold_store(path):
    """Another process holding a district's store open for writing (as a running sync task does)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Each test's outcome on its item (`item.rep_call`), for fixtures that keep evidence of a failure."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
