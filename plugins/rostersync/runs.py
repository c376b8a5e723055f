"""sync_runs: one row per run of a district, from the gate's opening to the apply's outcome.

Who answered the gate, when, how, and for which plan (its plan_id) is stored here; apply reads it to
decide what it may release, so the answer must come through the gate, for the plan shown at it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from rostersync import store

APPROVE = "Approve"
"""The gate's option that releases every held school."""
REJECT = "Reject"
"""The gate's option that releases none."""
PARTIAL = "Partial"
"""The answer recorded when some held schools were released and others not."""
TIMED_OUT = "Timed out"
"""The answer recorded when nobody answered within the district's response timeout: none released."""


@dataclass
class SyncRun:
    run_id: str
    logical_date: datetime | None = None
    landing_sha256: str | None = None
    status: str = "planned"
    roster_version_before: str | None = None
    gate_answer: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    counts: dict = field(default_factory=dict)
    applied_at: datetime | None = None
    gate_plan_id: str | None = None
    """The plan the gate was opened for, and so the plan its answer releases."""
    gate_opened_at: datetime | None = None
    gate_link: str | None = None
    """The gate's page in Airflow (its Required Action), for the approvers' emails."""


def load_sync_run(conn: duckdb.DuckDBPyConnection, run_id: str) -> SyncRun | None:
    rows = store.query_rows(conn, "runs/select_sync_run", SyncRun, {"run_id": run_id})
    if not rows:
        return None
    run = rows[0]
    stored: Any = run.counts  # the JSON column's text
    run.counts = json.loads(stored) if stored else {}
    return run


def save_sync_run(conn: duckdb.DuckDBPyConnection, run: SyncRun) -> None:
    params = dict(run.__dict__)
    params["counts"] = json.dumps(run.counts)
    with store.atomic(conn):  # its DELETE and INSERT: the run's row is never missing
        store.execute(conn, "runs/upsert_sync_run", params)


def last_applied_upload(conn: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
    """(run_id, landing sha256) of the last applied run, if any."""
    rows = store.query(conn, "runs/select_last_applied_upload")
    return (rows[0][0], rows[0][1]) if rows else None


def email_state(conn: duckdb.DuckDBPyConnection, run_id: str, purpose: str) -> str | None:
    """`sent`, `sending` (asked, outcome unknown) or None for one admin email of a run."""
    rows = store.query(conn, "runs/select_admin_email", {"run_id": run_id, "purpose": purpose})
    return rows[0][0] if rows else None


def record_email(conn: duckdb.DuckDBPyConnection, run_id: str, purpose: str, status: str | None) -> None:
    """Record an admin email as `sending` or `sent`, or (None) forget it: it was not sent."""
    params = {"run_id": run_id, "purpose": purpose, "status": status, "recorded_at": datetime.now(UTC)}
    store.execute(conn, "runs/upsert_admin_email" if status else "runs/delete_admin_email", params)
