"""The district store: where files live on disk, DuckDB connections, the schema, and the SQL files.

One DuckDB file per district (`data/<district_id>/roster.duckdb`): one writer at a time, so
districts never contend for a lock. Every statement comes from `include/sql/`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from rostersync.errors import RosterSyncError, from_duckdb

T = TypeVar("T")
REPO_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = REPO_ROOT / "include" / "sql"
TEMPLATES_DIR = REPO_ROOT / "include" / "templates"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
CONFIG_DIR = REPO_ROOT / "config" / "districts"


def config_dir() -> Path:
    """The district configs: `$ROSTERSYNC_CONFIG`, or `config/districts/` in the repository."""
    return Path(os.environ.get("ROSTERSYNC_CONFIG", CONFIG_DIR))


def expectations_dir() -> Path:
    """The Great Expectations suites: `$ROSTERSYNC_EXPECTATIONS`, or `expectations/` in the repository."""
    return Path(os.environ.get("ROSTERSYNC_EXPECTATIONS", EXPECTATIONS_DIR))


def data_root() -> Path:
    """The data folder: `$ROSTERSYNC_DATA`, or `data/` in the repository."""
    return Path(os.environ.get("ROSTERSYNC_DATA", REPO_ROOT / "data"))


_KEPT = re.compile(r"[A-Za-z0-9_.:+-]")
MAX_KEY = 120


def path_key(text: str) -> str:
    """A folder name for any id (a run id, a school's source id): letters, digits and `_ . : + -` kept, every
    other character as %XX of its UTF-8 bytes, a leading dot too. Reversible, so two ids never share a
    folder; never `.`, `..`, empty or a path. An id longer than MAX_KEY keeps its start and a sha256."""
    key = "".join(
        ch if _KEPT.fullmatch(ch) and not (i == 0 and ch == ".") else "".join(f"%{b:02X}" for b in ch.encode())
        for i, ch in enumerate(text)
    )
    if not key:
        return "~"  # `~` is always encoded otherwise: no id maps here but the empty one
    if len(key) > MAX_KEY:
        key = key[:100] + "~" + hashlib.sha256(text.encode()).hexdigest()[:16]
    return key


def run_key(run_id: str) -> str:
    """An Airflow run id as a folder name (`manual__2026-01-01T00:00:00+00:00` stays as it is)."""
    return path_key(run_id)


def inside(folder: Path, path: Path) -> Path:
    """`path`, after checking it resolves inside `folder` (a report never lands outside its run's folder)."""
    if not path.resolve().is_relative_to(_resolved(folder)):
        raise ValueError(f"{path} is outside {folder}")
    return path


@lru_cache(maxsize=256)
def _resolved(folder: Path) -> Path:
    """A folder of our own (a run's reports, the data root) resolved once: a run writes thousands of
    school reports into one (each report's own path is still resolved every time)."""
    return folder.resolve()


def stores_root() -> Path:
    """Where the districts' DuckDB stores live: `$ROSTERSYNC_STORES` (a worker host's local disk in
    production: DuckDB's file locks are unreliable on network filesystems), else the data folder."""
    explicit = os.environ.get("ROSTERSYNC_STORES", "").strip()
    return Path(explicit) if explicit else data_root()


def roster_path(district_id: str, root: Path | None = None) -> Path:
    return (root or stores_root()) / district_id / "roster.duckdb"


def landing_dir(district_id: str, run_id: str, root: Path | None = None) -> Path:
    return (root or data_root()) / "landing" / district_id / run_key(run_id)


def reports_dir(district_id: str, run_id: str, root: Path | None = None) -> Path:
    return (root or data_root()) / "reports" / district_id / run_key(run_id)


IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


class Fragment(str):
    """SQL text the code composed from `identifier()` results and its own literals: never from data."""


def identifier(name: str) -> Fragment:
    """A column or table name, double-quoted, for names the code chose (a format's columns, positional
    names): anything but letters, digits and underscores is refused, so no quote can end it early."""
    if not IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return Fragment(f'"{name}"')


CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def literal(text: str) -> Fragment:
    """A SQL string literal of a deployment's text that cannot be a bind parameter (a path to LOAD, a URL
    to ATTACH): quotes doubled, so no quote in it can end the literal (DuckDB has no backslash escapes);
    a control character (a newline, say) is refused: no path or URL has one."""
    if CONTROL.search(text):
        raise ValueError("a path or URL with a control character (a newline?) cannot be used")
    return Fragment("'" + text.replace("'", "''") + "'")


def sql_with(name: str, **parts: str) -> str:
    """The text of a SQL file with `{placeholders}` filled: each part is a plain identifier (checked
    here) or a `Fragment` built by the code from identifiers. Values always go as bind parameters."""
    filled = {k: v if isinstance(v, Fragment) else identifier(v) for k, v in parts.items()}
    text = ";\n".join(_statements(name))  # comments dropped first: a filled part never lands in one
    return re.sub(r"\{(\w+)\}", lambda m: filled[m.group(1)], text)


@cache
def sql(name: str) -> str:
    """The text of `include/sql/<name>.sql`, e.g. `sql("plan/create_plan_accounts")`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def bind(statement: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The parameters one statement names: DuckDB refuses any it does not use."""
    return {k: v for k, v in (params or {}).items() if f"${k}" in statement}


def execute(conn: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None) -> None:
    """Run one SQL file (it may hold several statements) with named bind parameters."""
    for statement in _statements(name):
        conn.execute(statement, bind(statement, params))


def query(conn: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
    """Rows of the last statement of one SQL file."""
    return _rows_of_last(conn, _statements(name), params)


def query_rows(
    conn: duckdb.DuckDBPyConnection, name: str, row_type: Callable[..., T], params: Mapping[str, Any] | None = None
) -> list[T]:
    """Rows of one SQL file as `row_type` (a dataclass or NamedTuple), built by column name, not position."""
    statements = _statements(name)
    for statement in statements[:-1]:
        conn.execute(statement, bind(statement, params))
    cursor = conn.execute(statements[-1], bind(statements[-1], params))
    columns = [d[0] for d in cursor.description]
    return [row_type(**dict(zip(columns, row, strict=True))) for row in cursor.fetchall()]


def query_text(conn: duckdb.DuckDBPyConnection, text: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
    """As `query`, for a SQL file's text the caller has filled identifiers into (`sql_with`)."""
    return _rows_of_last(conn, split_statements(text), params)


def _rows_of_last(conn: duckdb.DuckDBPyConnection, statements: list[str], params: Mapping[str, Any] | None):
    for statement in statements[:-1]:
        conn.execute(statement, bind(statement, params))
    return conn.execute(statements[-1], bind(statements[-1], params)).fetchall()


@cache
def _statements(name: str) -> list[str]:
    return split_statements(sql(name))


def split_statements(text: str) -> list[str]:
    """Statements of a SQL text: `--` comments dropped, split on semicolons outside string literals."""
    statements, current = [], []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "'":  # a string literal, '' inside it being a quote
            end = i + 1
            while end < n and not (text[end] == "'" and text[end + 1 : end + 2] != "'"):
                end += 2 if text[end] == "'" else 1
            current.append(text[i : end + 1])
            i = end + 1
        elif text.startswith("--", i):
            i = text.find("\n", i) if "\n" in text[i:] else n
        elif ch == ";":
            statements.append("".join(current))
            current = []
            i += 1
        else:
            current.append(ch)
            i += 1
    statements.append("".join(current))
    return [s.strip() for s in statements if s.strip()]


MEMORY_LIMIT = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


def _settings() -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB's memory bound (it spills to disk past it): a nightly window runs many districts. Given
    at connect, not in SQL: the value is the deployment's text."""
    limit = os.environ.get("ROSTERSYNC_DUCKDB_MEMORY", "2GB").strip()
    if not MEMORY_LIMIT.fullmatch(limit):
        raise ValueError(f"ROSTERSYNC_DUCKDB_MEMORY must be a size such as 2GB or 512MiB, not {limit!r}")
    return {"memory_limit": limit}


_BYTES = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_BYTES |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def memory_limit_bytes() -> int:
    """DuckDB's memory bound in bytes, as DuckDB reads it (GB is 10^9 bytes, GiB 2^30)."""
    limit = str(_settings()["memory_limit"]).lower()  # checked by _settings against MEMORY_LIMIT
    unit = re.sub(r"[\d.\s]", "", limit)
    return int(float(limit.removesuffix(unit)) * _BYTES[unit])


def _configure(conn: duckdb.DuckDBPyConnection) -> None:
    execute(conn, "store/configure")


def cursor(conn: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A connection of its own to `conn`'s database, for another thread, set as every connection is."""
    duplicate = conn.cursor()
    _configure(duplicate)
    return duplicate


def migrate(conn: duckdb.DuckDBPyConnection, roster_here: bool = True) -> None:
    """The working tables, and the roster's (`roster/duckdb`) unless it lives in PostgreSQL."""
    for path in sorted((SQL_DIR / "schema").glob("*.sql")):
        execute(conn, f"schema/{path.stem}")
    if roster_here:
        execute(conn, "roster/duckdb")


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction: committed when the block ends, rolled back (and the error passed on) if it fails.

    A failed COMMIT (disk full, I/O error) is the error the caller sees, never the rollback's own
    complaint that no transaction is left to roll back."""
    conn.execute("BEGIN TRANSACTION")
    _IN_TRANSACTION.add(id(conn))
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        _rollback_quietly(conn)
        raise
    finally:
        _IN_TRANSACTION.discard(id(conn))


@contextmanager
def atomic(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """The block in one transaction: the caller's if `transaction` has one open (it commits or rolls it
    back), else its own. (A second BEGIN would abort the caller's: DuckDB has no nested transactions.)"""
    if id(conn) in _IN_TRANSACTION:
        yield conn
    else:
        with transaction(conn):
            yield conn


_IN_TRANSACTION: set[int] = set()
"""The connections (by id) inside a `transaction` block of this process."""


def _rollback_quietly(conn: duckdb.DuckDBPyConnection) -> None:
    try:
        conn.execute("ROLLBACK")
    except duckdb.Error:
        pass  # the transaction is already gone (a failed commit ends it): the cause is being raised


class StoreElsewhere(RosterSyncError):
    """The district's store was created on another host: this one must not start it again, empty."""

    code = "R051"


HOME_MARKER = "store_home.json"
"""In the shared data folder of a district whose store lives apart (ROSTERSYNC_STORES): where it was made."""


def _check_home(district_id: str, path: Path) -> None:
    """With the stores apart from the shared data, a district's store is created once, on the host of
    its queue, and the shared data records where. A host without it is refused (R051) instead of
    starting the district again from an empty roster (a changed `queue:`, a task cleared elsewhere)."""
    if path.exists() or stores_root().resolve() == data_root().resolve():
        return
    marker = data_root() / district_id / HOME_MARKER
    if marker.exists():
        home = json.loads(marker.read_text(encoding="utf-8"))
        raise StoreElsewhere(
            f"the store of district {district_id} was created on host {home.get('host')} at {home.get('path')}; "
            f"this host ({socket.gethostname()}) has none at {path}. Its tasks run on its queue's worker; to move "
            "the district to another queue, pause its DAG and move its store folder there first."
        )
    marker.parent.mkdir(parents=True, exist_ok=True)
    home = {"host": socket.gethostname(), "path": str(path), "created_at": time.time()}
    marker.write_text(json.dumps(home), encoding="utf-8")


class StoreTooNew(RosterSyncError):
    """The district's DuckDB file was written by a newer DuckDB than the one installed."""

    code = "R054"


class RosterBusy(RosterSyncError):
    """Another process kept the district's store locked for longer than we wait."""

    code = "R050"


def lock_wait_seconds() -> float:
    """How long to wait for another process's hold on a district: `$ROSTERSYNC_LOCK_WAIT_SECONDS`, else 600."""
    return float(os.environ.get("ROSTERSYNC_LOCK_WAIT_SECONDS", "600"))


def _open(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """Open the store, waiting up to `wait` seconds while another process has it (DuckDB allows one writer
    process: a sync task, notify_accounts and the rollback command take turns)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=_settings())
        except duckdb.IOException as error:
            if "created with an newer version" in str(error) or "newer version of DuckDB" in str(error):
                raise StoreTooNew(
                    f"{path} was written by a newer DuckDB than this install's {duckdb.__version__} (round 2 "
                    "moved to the 1.4 line for its PostgreSQL extension). Nothing was changed. Open it with that "
                    "DuckDB and EXPORT DATABASE, then IMPORT DATABASE here; a local demo's data/ can be removed."
                ) from None
            if "could not set lock" not in str(error).lower():  # not "block": a damaged file is no lock
                raise
            if time.monotonic() >= deadline:
                raise RosterBusy(
                    f"{path} stayed in use by another process for {wait:.0f} s (another task of this district, "
                    f"notify_accounts or the rollback command); nothing was changed. Try again when it is done. "
                    f"DuckDB said: {error}"
                ) from error
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


@contextmanager
def connect(
    district_id: str, root: Path | None = None, read_only: bool = False, lock_wait: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An open, migrated connection to a district's store, closed on exit. `lock_wait`: how long to wait
    for another process's lock (see `_open`). With `$ROSTERSYNC_ROSTER_URL` the roster tables are those
    of the district's PostgreSQL schema (`roster_pg`), and its advisory lock is held for the block."""
    from rostersync import roster_pg

    url = roster_pg.roster_url(district_id)
    if lock_wait is None:
        lock_wait = lock_wait_seconds()
    path = roster_path(district_id, root)
    if root is None and url is None:
        _check_home(district_id, path)
    if root is None and url is not None and stores_root().resolve() != data_root().resolve():
        raise roster_pg.RosterDatabaseError(
            f"ROSTERSYNC_STORES is set with {roster_pg.ENV}: with the roster in PostgreSQL, any worker runs any "
            "district, so its working file must sit under ROSTERSYNC_DATA (the shared volume). Unset ROSTERSYNC_STORES."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    read_only = read_only and path.exists()
    # The advisory lock: on the district's roster database, or, for a district kept in its DuckDB file in a
    # deployment whose rosters are in PostgreSQL, on the deployment's (its file is on the shared volume).
    lock_url = url or roster_pg.roster_url()
    with ExitStack() as held:
        pg = (
            held.enter_context(roster_pg.district_lock(lock_url, district_id, shared=read_only, wait=lock_wait))
            if lock_url is not None
            else None
        )
        conn = _open(path, read_only, lock_wait)
        try:
            _configure(conn)
            _check_roster_home(conn, district_id, pg if url is not None else None, read_only)
            if url is not None:
                roster_pg.resolve_roster_here(conn, roster_pg.attach(conn, url, district_id, read_only=read_only))
            if not read_only:
                migrate(conn, roster_here=url is None)
            yield conn
        except duckdb.Error as error:  # DuckDB quotes the data it failed on: only its kind and place go on
            raise from_duckdb(error, f"the store of district {district_id}") from None
        finally:
            conn.close()


class RosterElsewhere(RosterSyncError):
    """The store's roster is not where this process looks: the other backend (DuckDB file or PostgreSQL),
    or a PostgreSQL schema made for another working file (or none)."""

    code = "R053"


def _check_roster_home(conn: duckdb.DuckDBPyConnection, district_id: str, pg: Any, read_only: bool) -> None:
    """A store records where its roster lives, and with PostgreSQL the id both its working file and its
    schema carry. A store opened with the other setting, a working file whose schema is missing or
    another's (a changed URL, a restored server), or a new working file beside an existing schema (a
    lost file: its gate answers and welcome ledger with it) is refused, never planned against the wrong
    roster (which would create every account again, or remove them all). A new store gets both."""
    from rostersync import roster_pg

    here = "postgres" if pg is not None else "duckdb"
    settings = _store_settings(conn)
    there, store_id = settings.get("roster"), settings.get("store_id")
    schema = f"{roster_pg.SCHEMA_PREFIX}{district_id}"
    if there is not None and there != here:
        where = (
            f"in PostgreSQL (schema {schema}); set {roster_pg.ENV} to reach it"
            if there == "postgres"
            else f"in its DuckDB file, and {roster_pg.ENV} is set: a roster is never moved by itself"
        )
        raise RosterElsewhere(f"the roster of district {district_id} lives {where}. Nothing was read or changed.")
    if pg is None:
        if there is None and not read_only:
            with transaction(conn):
                execute(conn, "roster/record_roster_home", {"home": here, "store_id": None, "schema": None})
        return
    if there == "postgres" and store_id is None:
        raise RosterElsewhere(
            f"the working file of district {district_id} says its roster is in PostgreSQL but names no store id "
            "(made by an earlier version): it is not matched against any schema. Nothing was read or changed."
        )
    found = roster_pg.identity(pg, district_id)
    if there is None and found is not None:
        raise RosterElsewhere(
            f"the working file of district {district_id} is new, but schema {schema} in the roster database belongs "
            f"to store {found}: restore the district's working file ({roster_path(district_id)}) instead of starting "
            "a new one (its plans, gate answers and welcome ledger are in it). Nothing was read or changed."
        )
    if there is None and not read_only:  # a new store: named in its file first, then its schema is made
        store_id = uuid.uuid4().hex
        with transaction(conn):
            execute(conn, "roster/record_roster_home", {"home": here, "store_id": store_id, "schema": "pending"})
        found = None
        settings["schema"] = "pending"
    pending = settings.get("schema") == "pending"
    if pending and found is None and not read_only:  # made now, or again after a crash between the two
        roster_pg.create_schema(pg, district_id, str(store_id))
        found = store_id
    if found != store_id:
        raise RosterElsewhere(
            f"the roster of district {district_id} (store {store_id}) is not in this roster database: schema "
            f"{schema} is "
            + ("missing" if found is None else f"store {found}'s")
            + f". Check {roster_pg.ENV} (another database or server?); nothing was read or changed."
        )
    if pending and not read_only:
        execute(conn, "roster/record_schema_made")


def _store_settings(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """What the store records of its roster: `roster` ("duckdb" or "postgres"; absent for a new store),
    and with PostgreSQL its `store_id` and whether its `schema` is made yet."""
    if query(conn, "roster/select_main_table", {"table": "store_settings"}):
        recorded = {key: value for key, value in query(conn, "roster/select_store_settings") if value is not None}
        if "roster" in recorded:
            return recorded
    if query(conn, "roster/select_main_table", {"table": "accounts"}):
        return {"roster": "duckdb"}  # a store made before the record
    return {}


@contextmanager
def scratch() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory store with the full schema: what `check` previews against."""
    conn = duckdb.connect(":memory:", config=_settings())
    try:
        _configure(conn)
        migrate(conn)
        yield conn
    except duckdb.Error as error:
        raise from_duckdb(error, "the preview") from None
    finally:
        conn.close()


@contextmanager
def live_roster(conn: duckdb.DuckDBPyConnection, district_id: str) -> Iterator[Callable[[str], Fragment]]:
    """A district's store attached read-only to another connection (`check`'s preview copies from it), under
    the district's shared lock: yields where each table is (the DuckDB file as `live`, or, with
    `$ROSTERSYNC_ROSTER_URL`, the roster tables in its PostgreSQL schema as `live_pg`)."""
    from rostersync import roster_pg

    url = roster_pg.roster_url(district_id)
    path = roster_path(district_id)
    wait = lock_wait_seconds()
    with connect(district_id, read_only=True, lock_wait=wait):
        pass  # every check of an open (where its roster lives, its schema's id) before copying anything
    with ExitStack() as held:
        if url is not None:
            held.enter_context(roster_pg.district_lock(url, district_id, shared=True, wait=wait))
        try:
            conn.execute(sql_with("check/attach_live", path=literal(str(path))))
        except duckdb.IOException as busy:
            raise RosterBusy(
                f"{path} is in use by another process (a sync task of this district, notify_accounts or a "
                "rollback); nothing was previewed. Try again when it is done."
            ) from busy
        try:
            schema = roster_pg.attach(conn, url, district_id, read_only=True, catalog="live_pg") if url else None
            pg_source = Fragment(f"{identifier('live_pg')}.{identifier(schema)}") if schema else None
            yield lambda table: pg_source if pg_source and table in roster_pg.TABLES else identifier("live")
        finally:
            execute(conn, "check/detach_live")


def roster_in_postgres(conn: duckdb.DuckDBPyConnection) -> bool:
    """Whether `conn`'s roster tables are an attached PostgreSQL schema (the app may write them while
    `conn` is open), not the DuckDB file's own (this connection's alone until it closes)."""
    from rostersync import roster_pg

    return bool(query(conn, "roster/select_roster_attached", {"catalog": roster_pg.CATALOG})[0][0])


def roster_version(conn: duckdb.DuckDBPyConnection) -> str:
    """A fingerprint of everything the app sees; any change to the roster (sync or app) changes it."""
    (version,) = query(conn, "apply/select_roster_version")[0]
    return str(version)
