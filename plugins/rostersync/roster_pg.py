"""The roster in PostgreSQL, when a deployment says so (`ROSTERSYNC_ROSTER_URL`, or per district
`ROSTERSYNC_ROSTER_URL__<district id>`, empty for its DuckDB file): where its app reads it.

A district's DuckDB file keeps the working tables (snapshots, findings, plans, gate answers). The roster
the app sees (`schools`, `school_state`, `accounts`, `classes`, `memberships`) and its logs (`sync_runs`,
`change_log`) live in the PostgreSQL schema `rs_<district>`, created from `include/sql/roster/postgres.sql`.
The schema is attached to the DuckDB connection (DuckDB's postgres extension, loaded from the
`duckdb-ext-postgres` wheel: nothing is downloaded) and put on its search path after `main`, so the same
set-based SQL plans against it and applies to it; an apply writes PostgreSQL only, in one transaction.

One process at a time per district: a PostgreSQL advisory lock held by the process's own session (a
killed process's lock ends with its connection), never a file lock; readers (the Rosters pages) take it
shared. The URL is a libpq URL or key=value string; every error is told with its password masked.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from rostersync.errors import RosterSyncError, redact_roster_password

ENV = "ROSTERSYNC_ROSTER_URL"
CATALOG = "pg_roster"
"""The name the PostgreSQL roster is attached under in a district's DuckDB connection."""
SCHEMA_PREFIX = "rs_"
LOCK_SPACE = 0x52535943
"""The first key of rostersync's advisory locks ("RSYC"); the second is `hashtext(district id)`."""
TABLES = ("schools", "school_state", "accounts", "classes", "memberships", "sync_runs", "change_log")


class RosterDatabaseError(RosterSyncError):
    """The PostgreSQL roster could not be reached or used."""

    code = "R052"


def roster_url(district_id: str | None = None) -> str | None:
    """Where a district's roster lives: `$ROSTERSYNC_ROSTER_URL__<district id>` when set (empty: its
    DuckDB file), else the deployment's `$ROSTERSYNC_ROSTER_URL`; None: the DuckDB file holds it."""
    if district_id is not None and f"{ENV}__{district_id}" in os.environ:
        return os.environ[f"{ENV}__{district_id}"].strip() or None
    return os.environ.get(ENV, "").strip() or None


def schema_name(district_id: str) -> str:
    """The district's PostgreSQL schema: `rs_<district id>` (PostgreSQL keeps 63 bytes of a name)."""
    name = SCHEMA_PREFIX + district_id
    if len(name) > 63:
        raise RosterDatabaseError(
            f"district id {district_id!r} is too long for a PostgreSQL schema name ({name!r} has {len(name)} "
            "characters, PostgreSQL keeps 63); give the district a shorter id"
        )
    return name


@cache
def extension_path() -> Path:
    """DuckDB's postgres extension for this DuckDB version, from the `duckdb-ext-postgres` wheel."""
    import duckdb_ext  # type: ignore[import-not-found]  # a namespace package with the extension files only

    version = f"v{duckdb.__version__}"
    for root in duckdb_ext.__path__:
        found = sorted(Path(root).glob(f"extensions/{version}/*/postgres_scanner.duckdb_extension"))
        if found:
            return found[0]
    raise RosterDatabaseError(
        f"no postgres extension for DuckDB {duckdb.__version__} is installed: install duckdb-ext-postgres "
        "of the same version (requirements.txt pins both)"
    )


def _connect(url: str):
    import psycopg2

    try:
        return psycopg2.connect(url, application_name="rostersync", connect_timeout=30)
    except psycopg2.Error as error:  # libpq's message names host and port, and may quote a piece of the URL
        message = redact_roster_password(str(error).strip())
        raise RosterDatabaseError(f"the roster database could not be reached: {message}") from None


@contextmanager
def district_lock(url: str, district_id: str, *, shared: bool, wait: float) -> Iterator[Any]:
    """Hold the district's advisory lock (exclusive for a writer, shared for a reader) for the block,
    waiting up to `wait` seconds for another process's; the lock ends with this session if we die.
    Yields the session (autocommit), for `identity` and `create_schema`."""
    from rostersync.store import RosterBusy, sql

    pg = _connect(url)
    try:
        pg.autocommit = True
        statement = sql("roster/try_lock_shared" if shared else "roster/try_lock")
        deadline = time.monotonic() + wait
        with pg.cursor() as cur:
            while True:
                cur.execute(statement, {"space": LOCK_SPACE, "district": district_id})
                if cur.fetchone()[0]:
                    break
                if time.monotonic() >= deadline:
                    raise RosterBusy(
                        f"district {district_id}'s roster stayed in use by another process for {wait:.0f} s (another "
                        "task of this district, notify_accounts or the rollback command); nothing was changed. "
                        "Try again when it is done."
                    )
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        yield pg
    finally:
        pg.close()  # ends the session, and with it the lock


def identity(pg: Any, district_id: str) -> str | None:
    """The store id the district's PostgreSQL schema was created for, or None if it has none (no schema).
    A plain read of one small table: no DDL, no lock on the roster tables."""
    from rostersync import store

    with pg.cursor() as cur:
        cur.execute(store.sql("roster/select_identity_table"), {"table": f"{schema_name(district_id)}.store_identity"})
        if cur.fetchone()[0] is None:
            return None
        cur.execute(store.sql_with("roster/select_identity", schema=schema_name(district_id)))
        row = cur.fetchone()
    return str(row[0]) if row else None


def create_schema(pg: Any, district_id: str, store_id: str) -> None:
    """Create the district's schema, its tables and its identity (`store_id`, the DuckDB file's), in one
    transaction; only ever for a new store, under a lock of its own with a timeout (never waits long)."""
    import psycopg2

    from rostersync import store

    ddl = store.sql_with("roster/postgres", schema=schema_name(district_id))
    try:
        with pg.cursor() as cur:
            cur.execute("BEGIN")
            try:
                cur.execute(store.sql("roster/lock_ddl"), {"space": LOCK_SPACE + 1})
                cur.execute(ddl, {"store_id": store_id})
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
    except psycopg2.Error as error:
        message = redact_roster_password(str(error).strip().splitlines()[0])
        raise RosterDatabaseError(
            f"district {district_id}'s schema {schema_name(district_id)} could not be created: {message}"
        ) from None


def attach(
    conn: duckdb.DuckDBPyConnection, url: str, district_id: str, *, read_only: bool, catalog: str = CATALOG
) -> str:
    """Attach the district's PostgreSQL schema to a DuckDB connection as `catalog`; returns the schema."""
    from rostersync import store

    schema = schema_name(district_id)
    conn.execute(store.sql_with("roster/load_extension", path=store.literal(str(extension_path()))))
    try:
        conn.execute(
            store.sql_with(
                "roster/attach_postgres",
                url=store.literal(url),
                catalog=catalog,
                schema=store.literal(schema),
                mode=store.Fragment(", READ_ONLY" if read_only else ""),
            )
        )
    except duckdb.Error as error:  # the extension quotes the whole connection string
        message = redact_roster_password(str(error).splitlines()[0])
        raise RosterDatabaseError(f"the roster database could not be attached: {message}") from None
    return schema


def resolve_roster_here(conn: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Unqualified names: the DuckDB file's tables first, then the attached roster schema's."""
    from rostersync import store

    conn.execute(store.sql_with("roster/search_path", path=store.literal(f"main,{CATALOG}.{schema}")))
