"""`make run` and `make demo`: the embedded default on one machine, everything on 127.0.0.1.

Prepares AIRFLOW_HOME=.airflow from airflow.cfg.example, starts the local SFTP server (seeded with the
demo district's files) and the SMTP sink (mail saved under .airflow/mail/), defines the Airflow
connections, and runs Airflow's components (those of `airflow standalone`, without its log servers).
`demo` then drives one sync through Airflow's REST API the way an operator and an approver would, and
prints the counts.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from rostersync import roster_pg, store, synth
from rostersync.config import CleverSource, DistrictConfig, SftpSource, load_valid_districts
from rostersync.dev.clever_server import CleverServer
from rostersync.dev.servers import LOOPBACK, SftpServer, SmtpSink
from rostersync.reports import ROSTERS_PATH

AIRFLOW_HOME = Path(os.environ.get("AIRFLOW_HOME", store.REPO_ROOT / ".airflow"))
DEMO_DISTRICT = "riverside"
DEMO_FILES = store.REPO_ROOT / "demo" / DEMO_DISTRICT
SFTP_PASSWORD = "demo"  # local demo server only
CLEVER_TOKEN = "demo-clever-token"  # local demo server only
SFTP_PORT, SMTP_PORT, CLEVER_PORT = 2222, 8025, 8099
CLEVER_DISTRICT = "lakeside"
COMPONENTS = (
    ("api-server",),
    ("scheduler", "--skip-serve-logs"),
    ("dag-processor",),
    ("triggerer", "--skip-serve-logs"),
)
"""The Airflow processes of the local stack, all on 127.0.0.1 (the API server from [api] host)."""


def _port(preferred: int) -> int:
    with socket.socket() as s:
        try:
            s.bind((LOOPBACK, preferred))
            return preferred
        except OSError:
            s.bind((LOOPBACK, 0))
            return s.getsockname()[1]


LOGINS = {"admin": "admin", "viewer": "viewer", "operator": "user"}
"""With ROSTERSYNC_LOGIN=1: Airflow users (name: role of Airflow's simple auth manager), each with a
password generated once and kept in .airflow/passwords.json."""


def worker_command(queue: str) -> tuple[str, ...]:
    """A Celery worker of one queue (one per host in production; here all on this machine, so no log
    server: each would take port 8793, and the API server reads the task logs from disk)."""
    return ("celery", "worker", "--queues", queue, "--skip-serve-logs", "--celery-hostname", f"{queue}@%h")


def logins_enabled() -> bool:
    return os.environ.get("ROSTERSYNC_LOGIN", "") not in ("", "0")


def passwords() -> dict[str, str]:
    """The local users' passwords (ROSTERSYNC_LOGIN=1), generated at the first start."""
    path = AIRFLOW_HOME / "passwords.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    if set(LOGINS) - set(known):
        known = {user: known.get(user) or secrets.token_urlsafe(12) for user in LOGINS}
        path.write_text(json.dumps(known))
        path.chmod(0o600)
    return known


def prepare_home(api_port: int) -> None:
    """Write .airflow/airflow.cfg from the example; secrets are kept from an earlier start. With
    ROSTERSYNC_LOGIN=1, a login page and the users of LOGINS instead of "every visitor is an admin"."""
    AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
    secrets_file = AIRFLOW_HOME / "secrets.json"
    if secrets_file.exists():
        keys = json.loads(secrets_file.read_text())
    else:
        from cryptography.fernet import Fernet

        keys = {
            "FERNET_KEY": Fernet.generate_key().decode(),
            "JWT_SECRET": secrets.token_urlsafe(32),
            "SECRET_KEY": secrets.token_urlsafe(32),
        }
        secrets_file.write_text(json.dumps(keys))
        secrets_file.chmod(0o600)
    values = {"REPO": store.REPO_ROOT, "AIRFLOW_HOME": AIRFLOW_HOME, "API_PORT": api_port, **keys}
    text = (store.REPO_ROOT / "airflow.cfg.example").read_text()
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    if logins_enabled():
        passwords()
        users = ",".join(f"{user}:{role}" for user, role in LOGINS.items())
        text = text.replace(
            "simple_auth_manager_all_admins = True",
            f"simple_auth_manager_all_admins = False\nsimple_auth_manager_users = {users}\n"
            f"simple_auth_manager_passwords_file = {AIRFLOW_HOME / 'passwords.json'}",
        )
    (AIRFLOW_HOME / "airflow.cfg").write_text(text)


def seed_sftp(root: Path, district_id: str, files: Path) -> None:
    """Put an upload in the district's SFTP folder, settled (written an hour ago)."""
    drop = root / district_id
    shutil.rmtree(drop, ignore_errors=True)
    shutil.copytree(files, drop)
    an_hour_ago = time.time() - 3600
    for f in drop.iterdir():
        os.utime(f, (an_hour_ago, an_hour_ago))


DEPLOY_ENV = store.REPO_ROOT / "deploy" / "airflow.env"
PRODUCTION_USERS = {"admin": "Admin", "viewer": "Viewer"}
"""With --production: the FAB users `airflow users create` makes (name: role), passwords as LOGINS'."""


def production_env(values: dict[str, str]) -> dict[str, str]:
    """deploy/airflow.env, its ${NAME}s filled from `values` (a name missing there is an error)."""
    env = {}
    for line in DEPLOY_ENV.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = string.Template(value).substitute(values)
    return env


def production_values(url: str) -> dict[str, str]:
    """The deployment's values for deploy/airflow.env, from this machine's PostgreSQL and Redis:
    ROSTERSYNC_METADATA_URL (required), ROSTERSYNC_REDIS_URL, ROSTERSYNC_REDIS_PREFIX, and the roster's
    ROSTERSYNC_ROSTER_URL (or ROSTERSYNC_STORES for DuckDB files) as given."""
    metadata = os.environ.get("ROSTERSYNC_METADATA_URL", "")
    if not metadata.startswith("postgresql"):
        raise SystemExit("--production needs ROSTERSYNC_METADATA_URL=postgresql+psycopg2://user@host:port/db")
    keys = json.loads((AIRFLOW_HOME / "secrets.json").read_text())
    return {
        "METADATA_URL": metadata,
        "REDIS_URL": os.environ.get("ROSTERSYNC_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "REDIS_PREFIX": os.environ.get("ROSTERSYNC_REDIS_PREFIX", "rostersync:"),
        "WORKER_CONCURRENCY": "2",
        "JWT_SECRET": keys["JWT_SECRET"],
        "FERNET_KEY": keys["FERNET_KEY"],
        "API_SECRET_KEY": keys["SECRET_KEY"],
        "BASE_URL": url,
        "ROSTERSYNC_DATA": str(store.data_root()),
        "ROSTERSYNC_CONFIG": str(store.config_dir()),
        "ROSTER_URL": os.environ.get("ROSTERSYNC_ROSTER_URL", ""),
        "ROSTERSYNC_STORES": os.environ.get("ROSTERSYNC_STORES", ""),
    }


def connections(sftp_port: int, smtp_port: int, clever_url: str) -> dict[str, dict]:
    """The Airflow connections of the local stack: the SMTP sink and each district's source."""
    found: dict[str, dict] = {
        "smtp_default": {
            "conn_type": "smtp",
            "host": LOOPBACK,
            "port": smtp_port,
            "extra": {"from_email": "rostersync@localhost", "disable_tls": True, "disable_ssl": True},
        }
    }
    for config in load_valid_districts(store.config_dir()):
        if isinstance(config.source, CleverSource):
            found[config.source.conn_id] = {"conn_type": "http", "host": clever_url, "password": CLEVER_TOKEN}
        else:
            found[config.source.conn_id] = {
                "conn_type": "sftp",
                "host": LOOPBACK,
                "port": sftp_port,
                "login": config.district_id,
                "password": SFTP_PASSWORD,
                "extra": {"no_host_key_check": True},
            }
    return found


def write_connections(path: Path, found: dict[str, dict]) -> None:
    """Airflow reads .airflow/connections.json at each lookup ([secrets] backend in airflow.cfg): a
    district added while the stack runs gets its connection without a restart."""
    new = path.with_suffix(".tmp")
    new.write_text(json.dumps(found, indent=1))
    new.chmod(0o600)
    new.replace(path)


def clever_district_files(folder: Path) -> Path:
    """The Clever demo district's API responses, generated once (400 students, seed 11)."""
    if not (folder / "users.json").exists():
        synth.write_clever(synth.generate(400, seed=11), folder)
    return folder


class Stack:
    def __init__(self, production: bool = False) -> None:
        self.production = production
        self.api_port = _port(int(os.environ.get("ROSTERSYNC_API_PORT", 8080)))
        self.sftp_root = AIRFLOW_HOME / "sftp"
        configs = load_valid_districts(store.config_dir())
        districts = [c.district_id for c in configs if isinstance(c.source, SftpSource)]
        self.sftp = SftpServer(
            self.sftp_root, dict.fromkeys(districts, SFTP_PASSWORD), _port(SFTP_PORT), AIRFLOW_HOME / "sftp_host_key"
        )
        self.smtp = SmtpSink(AIRFLOW_HOME / "mail", _port(SMTP_PORT))
        self.clever = CleverServer(
            clever_district_files(AIRFLOW_HOME / "clever" / CLEVER_DISTRICT), CLEVER_TOKEN, _port(CLEVER_PORT)
        )
        self.processes: list[subprocess.Popen] = []
        self.districts: dict[str, DistrictConfig] = {}
        """The districts served, by id (as configured when last seen)."""

    def queues(self) -> list[str]:
        """The Celery queues of the configured districts (and Airflow's default queue)."""
        return sorted({c.queue for c in load_valid_districts(store.config_dir())} | {"default"})

    def api(self) -> Api:
        """The REST API, as the admin when ROSTERSYNC_LOGIN=1 or --production."""
        with_login = logins_enabled() or self.production
        return Api(self.url, ("admin", passwords()["admin"]) if with_login else None)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.api_port}"

    def start(self, log_to: Path | None) -> None:
        prepare_home(self.api_port)
        self.sftp.start()
        self.smtp.start()
        self.clever.start()
        if not (self.sftp_root / DEMO_DISTRICT / "users.csv").exists():
            seed_sftp(self.sftp_root, DEMO_DISTRICT, DEMO_FILES)
        self.refresh_districts()
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(AIRFLOW_HOME),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        if self.production:
            env.update(production_env(production_values(self.url)))
        out = log_to.open("ab") if log_to else None
        airflow = str(Path(sys.executable).parent / "airflow")
        subprocess.run([airflow, "db", "migrate"], env=env, stdout=out or subprocess.DEVNULL, check=True)
        commands: list[tuple[str, ...]] = list(COMPONENTS)
        if self.production:
            known = passwords()
            for user, role in PRODUCTION_USERS.items():  # FAB's users; "already exists" on a restart is fine
                subprocess.run(
                    [airflow, "users", "create", "--role", role, "--username", user, "--password", known[user]]
                    + ["--email", f"{user}@localhost", "--firstname", user, "--lastname", "local"],
                    env=env,
                    stdout=out or subprocess.DEVNULL,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
            commands += [worker_command(queue) for queue in self.queues()]
        # `airflow standalone`'s components, one by one: it starts the scheduler's and the triggerer's log
        # servers on every interface (0.0.0.0:8793/8794, not configurable). Here tasks write their logs to
        # .airflow/logs, which the API server reads directly: no log server is needed, none listens.
        for command in commands:
            self.processes.append(
                subprocess.Popen(
                    [airflow, *command],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT if out else None,
                    start_new_session=True,
                )
            )

    def refresh_districts(self) -> list[str]:
        """Serve every district configured now: an SFTP login and folder for a new SFTP district, and
        its Airflow connection. Returns the districts new since the last call."""
        configs = load_valid_districts(store.config_dir())
        new = [c.district_id for c in configs if c.district_id not in self.districts]
        self.districts.update({c.district_id: c for c in configs})
        for config in configs:
            if isinstance(config.source, SftpSource) and config.district_id not in self.sftp.passwords:
                (self.sftp_root / config.district_id).mkdir(parents=True, exist_ok=True)
                self.sftp.passwords[config.district_id] = SFTP_PASSWORD
        if new or not (AIRFLOW_HOME / "connections.json").exists():
            write_connections(
                AIRFLOW_HOME / "connections.json", connections(self.sftp.port, self.smtp.port, self.clever.url)
            )
        return new

    def wait(self) -> int:
        """Until one of Airflow's processes ends (the others are then stopped by `stop`); a district
        configured meanwhile is served within seconds (Airflow parses its DAG within a minute)."""
        while all(process.poll() is None for process in self.processes):
            time.sleep(1)
            for district in self.refresh_districts():
                print(f"new district {district}: {self.district_line(district)}", flush=True)
        return next(process.returncode for process in self.processes if process.returncode is not None)

    def stop(self) -> None:
        """SIGTERM to every process group it started; after 60 s in all, SIGKILL to those left."""
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.sftp.stop()
        self.smtp.stop()
        self.clever.stop()

    def district_line(self, district_id: str) -> str:
        if isinstance(self.districts[district_id].source, CleverSource):
            return f"Clever, from the local Clever API (token {CLEVER_TOKEN!r})"
        return (
            f"sftp://{district_id}@{LOOPBACK}:{self.sftp.port}/  password {SFTP_PASSWORD!r}  "
            f"(files in {self.sftp_root / district_id}/)"
        )

    def banner(self) -> str:
        if self.production or logins_enabled():
            known, users = passwords(), PRODUCTION_USERS if self.production else LOGINS
            login = "log in as " + ", ".join(f"{u} / {known[u]} ({role})" for u, role in users.items())
            if self.production:
                login += f"; CeleryExecutor, workers on {', '.join(self.queues())}"
        else:
            login = "no login: local demo, every visitor is an admin"
        districts = "".join(f"    {d:<12} {self.district_line(d)}\n" for d in sorted(self.districts))
        return (
            f"\nrostersync is running (Ctrl-C stops everything):\n"
            f"  Airflow UI   {self.url}  ({login})\n"
            f"  Rosters      {self.url}{ROSTERS_PATH}/  (also under Rosters in the UI's navigation)\n"
            f"  Districts    (a new config/districts/<id>.yaml is picked up without a restart)\n{districts}"
            f"  SMTP sink    {LOOPBACK}:{self.smtp.port}  (every message saved in {AIRFLOW_HOME / 'mail'})\n"
            f"  Clever API   {self.clever.url}/v3.0/  (district {CLEVER_DISTRICT})\n"
            f"  Stores       {store.stores_root()}/<district>/roster.duckdb\n"
            + (f"  Rosters DB   schema {roster_pg.SCHEMA_PREFIX}<district>\n" if roster_pg.roster_url() else "")
        )


class Api:
    """The few REST calls an operator and an approver make."""

    def __init__(self, url: str, login: tuple[str, str] | None = None):
        self.url = url
        self.base = f"{url}/api/v2"
        self.http = requests.Session()
        self.login = login

    def log_in(self) -> None:
        """With a user and password (not needed when every visitor is an admin): a bearer token."""
        if self.login is not None:
            user, password = self.login
            response = self.http.post(
                f"{self.url}/auth/token", json={"username": user, "password": password}, timeout=30
            )
            response.raise_for_status()
            self.http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, self.base + path, timeout=30, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else None

    ANSWER_DELAY = 10.0
    """Seconds between a gate's parking and its answer: an answer that lands before the scheduler has
    processed the parking makes Airflow 3.3.2 fail the task ("finished with state success, but the task
    instance's state attribute is queued"). A person never answers that fast; a script waits."""

    def answer_gate(self, dag_id: str, run_id: str, chosen: list[str], params: dict | None = None) -> dict:
        """Answer a waiting gate as the Required Actions page does (the REST PATCH), as a person would:
        not within seconds. Returns the gate's details as they were shown."""
        gate = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/approve/-1/hitlDetails"
        time.sleep(self.ANSWER_DELAY)
        detail = self.call("GET", gate)
        self.call("PATCH", gate, json={"chosen_options": chosen, "params_input": params or {}})
        return detail

    def wait_until(self, what: str, check: Any, timeout: float, every: float = 2.0) -> Any:
        """`check()` until it returns something true; a connection refused or an HTTP error (a server
        still starting, an auth backend not ready yet) is tried again, and named if it is the last."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                result = check()
            except (requests.ConnectionError, requests.HTTPError, RuntimeError) as error:
                result, last = None, error
            if result:
                return result
            time.sleep(every)
        raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s" + (f" (last: {last})" if last else ""))

    def sync_once(self, dag_id: str, answer: str = "Approve", timeout: float = 900, conf: dict | None = None) -> dict:
        """Trigger one run (with `conf`), answer its gate if it waits at one, wait for it to end."""
        run = self.call("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}})
        run_id = run["dag_run_id"]
        print(f"triggered {dag_id} run {run_id}")
        runs = f"/dags/{dag_id}/dagRuns/{run_id}"
        answered = False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.call("GET", runs)["state"]
            if state in ("success", "failed"):
                break
            if not answered and dag_id.startswith("roster_sync__"):
                gate = self.call("GET", f"{runs}/taskInstances/approve")
                if gate.get("state") == "awaiting_input":
                    detail = self.answer_gate(dag_id, run_id, [answer])
                    print(f"gate: {detail['subject']} -> {answer}")
                    answered = True
            time.sleep(2)
        else:
            raise TimeoutError(f"run {run_id} did not finish in {timeout:.0f} s")
        tasks = self.call("GET", f"{runs}/taskInstances")["task_instances"]
        states = {t["task_id"]: t["state"] for t in tasks}
        if state != "success":
            raise RuntimeError(f"run {run_id} ended {state}: {states}")
        return {"run_id": run_id, "tasks": states}


def print_counts(district_id: str, run_id: str) -> None:
    with store.connect(district_id, read_only=True) as conn:
        row = conn.execute("SELECT status, counts FROM sync_runs WHERE run_id = ?", [run_id]).fetchone()
    if row is None:
        print(f"run {run_id}: no new data, nothing applied")
        return
    status, counts = row[0], json.loads(row[1])
    print(f"run {run_id}: {status}")
    print(f"  {'entity':<12} {'created':>8} {'updated':>8} {'removed':>8}")
    for entity, c in counts.items():
        print(f"  {entity:<12} {c['create']:>8} {c['update']:>8} {c['remove']:>8}")


def demo(stack: Stack) -> int:
    for district in (DEMO_DISTRICT, CLEVER_DISTRICT):  # the demo districts start from an empty roster
        for folder in (
            store.roster_path(district).parent,
            store.data_root() / "landing" / district,
            store.data_root() / "reports" / district,
        ):
            shutil.rmtree(folder, ignore_errors=True)
    seed_sftp(stack.sftp_root, DEMO_DISTRICT, DEMO_FILES)
    api = stack.api()
    dag_id = f"roster_sync__{DEMO_DISTRICT}"
    print(f"waiting for Airflow at {stack.url} (log: {AIRFLOW_HOME / 'airflow.log'}) ...")
    api.wait_until("the API server", lambda: api.call("GET", "/monitor/health"), 300)
    api.log_in()
    clever_dag = f"roster_sync__{CLEVER_DISTRICT}"
    for dag in (dag_id, clever_dag):
        api.wait_until(f"{dag} to be parsed", lambda dag=dag: api.call("GET", f"/dags/{dag}"), 300)
        api.call("PATCH", f"/dags/{dag}", json={"is_paused": False})

    print("\n1. first sync of the demo district: waits at the gate, approved over the REST API")
    first = api.sync_once(dag_id)
    print_counts(DEMO_DISTRICT, first["run_id"])

    print("\n2. the next day's upload (2% churn): no hold, so no wait at the gate")
    with_churn = synth.next_day(synth.generate(600, seed=7), churn=0.02, seed=8)
    next_files = AIRFLOW_HOME / "demo-next-day"
    shutil.rmtree(next_files, ignore_errors=True)
    synth.write_remind_csv_v2(with_churn, next_files)
    seed_sftp(stack.sftp_root, DEMO_DISTRICT, next_files)
    second = api.sync_once(dag_id)
    print_counts(DEMO_DISTRICT, second["run_id"])

    print(f"\n3. first sync of a Clever district ({CLEVER_DISTRICT}), pulled from the local Clever API, approved")
    third = api.sync_once(clever_dag)
    print_counts(CLEVER_DISTRICT, third["run_id"])

    school = "SCH0001"
    print(f"\n4. welcome emails for the new accounts of {DEMO_DISTRICT} school {school} (notify_accounts), twice")
    api.wait_until("notify_accounts to be parsed", lambda: api.call("GET", "/dags/notify_accounts"), 300)
    api.call("PATCH", "/dags/notify_accounts", json={"is_paused": False})
    conf = {"district": DEMO_DISTRICT, "school": school, "roles": ["teachers", "parents", "students"]}
    for _time in ("first", "second"):  # the second run finds nobody left to welcome
        run = api.sync_once("notify_accounts", conf=conf)
        print_welcomes(DEMO_DISTRICT, run["run_id"])

    reports = store.data_root() / "reports"
    mail = sorted((AIRFLOW_HOME / "mail").glob("*.eml"))
    print(f"\nreports: {reports}/<district>/<run>/summary.html (one page per school under schools/)")
    print(f"  e.g. {store.reports_dir(DEMO_DISTRICT, first['run_id']) / 'summary.html'}")
    print(f"emails: {len(mail)} in {AIRFLOW_HOME / 'mail'}/")
    return 0


def print_welcomes(district_id: str, run_id: str) -> None:
    with store.connect(district_id, read_only=True) as conn:
        sent = conn.execute(
            "SELECT a.role, count(*) FROM account_notifications n JOIN accounts a USING (account_id) "
            "WHERE n.run_id = ? GROUP BY ALL ORDER BY min(n.notified_at)",
            [run_id],
        ).fetchall()
    listed = store.reports_dir(district_id, run_id) / "welcome_not_sent.csv"
    not_sent = sum(1 for _ in listed.open()) - 1 if listed.exists() else 0
    names = {"teacher": "teachers", "guardian": "parents", "student": "students"}
    counts = (
        ", ".join(f"{n} {names.get(role, role)}" for role, n in sent) or "none (every account was already welcomed)"
    )
    listed_note = f"; {not_sent} without an email address, listed in {listed.name}" if not_sent else ""
    print(f"run {run_id}: welcome emails sent: {counts}{listed_note}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rostersync.dev.stack", description=__doc__)
    parser.add_argument("mode", choices=["run", "demo"])
    parser.add_argument(
        "--production",
        action="store_true",
        help="deploy/airflow.env: CeleryExecutor, PostgreSQL (ROSTERSYNC_METADATA_URL), Redis, FAB logins",
    )
    args = parser.parse_args(argv)
    # Ctrl-C (and a plain kill) stop everything this started, even when started from a script
    # that left SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    stack = Stack(production=args.production)
    headless = args.mode == "demo"
    try:
        stack.start(log_to=AIRFLOW_HOME / "airflow.log" if headless else None)
        if headless:
            return demo(stack)
        Api(stack.url).wait_until("the API server", lambda: Api(stack.url).call("GET", "/monitor/health"), 300)
        print(stack.banner(), flush=True)
        return stack.wait()
    except KeyboardInterrupt:
        print("\nstopping ...")
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    raise SystemExit(main())
