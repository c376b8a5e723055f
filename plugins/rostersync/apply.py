"""Apply: the frozen plan of a run, verbatim, in one transaction, with a change log and a sync_runs row.

Apply never recomputes a diff. If the roster changed since the plan was computed (another run, or the
app), it refuses and says why; a retry of a run that was already applied changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from rostersync import store
from rostersync.plan import ENTITIES, plan_summary


class PlanStale(RuntimeError):
    """The roster moved between the plan and the apply."""


class BackfillRefused(RuntimeError):
    """A run for an older date than one already applied: applying it would take the roster back in time."""


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


@dataclass(frozen=True)
class ApplyResult:
    run_id: str
    already_applied: bool
    counts: dict[str, dict[str, int]]
    held_schools: list[str]


def load_sync_run(conn: duckdb.DuckDBPyConnection, run_id: str) -> SyncRun | None:
    rows = store.query(conn, "apply/select_sync_run", {"run_id": run_id})
    if not rows:
        return None
    row = list(rows[0])
    row[8] = json.loads(row[8]) if row[8] else {}
    return SyncRun(*row)


def save_sync_run(conn: duckdb.DuckDBPyConnection, run: SyncRun) -> None:
    params = dict(run.__dict__)
    params["counts"] = json.dumps(run.counts)
    store.execute(conn, "apply/upsert_sync_run", params)


def last_applied_upload(conn: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
    """(run_id, landing sha256) of the last applied run, if any."""
    rows = store.query(conn, "apply/select_last_applied_upload")
    return (rows[0][0], rows[0][1]) if rows else None


def apply_plan(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    released: bool,
    logical_date: datetime | None = None,
    landing_sha256: str | None = None,
    force: bool = False,
) -> ApplyResult:
    """Apply the run's plan: every school if `released` (the gate approved), else schools without a hold.

    Applying a run twice changes nothing the second time."""
    if logical_date is not None and logical_date.tzinfo is not None:
        logical_date = logical_date.astimezone(UTC).replace(tzinfo=None)
    existing = load_sync_run(conn, run_id)
    if existing and existing.applied_at is not None:
        return ApplyResult(run_id, True, existing.counts, [])
    run = existing or SyncRun(run_id)
    conn.execute("BEGIN TRANSACTION")
    try:
        newer = store.query(conn, "apply/select_newer_applied_run", {"run_id": run_id, "logical_date": logical_date})
        if newer and not force:
            raise BackfillRefused(
                f"run {run_id} is for {logical_date:%Y-%m-%d %H:%M}, but run {newer[0][0]} for "
                f"{newer[0][1]:%Y-%m-%d %H:%M} is already applied: applying older data would undo newer "
                "changes. It was checked and its reports written; nothing was applied. To apply it anyway, "
                'trigger it again with the run conf {"force_backfill": true}.'
            )
        summary = plan_summary(conn, run_id)
        version = store.roster_version(conn)
        if version != summary.roster_version:
            raise PlanStale(
                f"run {run_id}: the roster changed after this plan was computed (plan made on roster "
                f"version {summary.roster_version}, roster is now {version}); nothing was applied. "
                "Clear detect_holds and the tasks after it to compute and approve a fresh plan."
            )
        conn.execute("CREATE OR REPLACE TEMP TABLE released_schools (school_id VARCHAR)")
        store.execute(conn, "apply/insert_released_schools", {"run_id": run_id, "released": released})
        held = [r[0] for r in store.query(conn, "apply/select_held_schools", {"run_id": run_id})]
        store.execute(conn, "apply/apply_plan", {"run_id": run_id})
        counts = {e: {"create": 0, "update": 0, "remove": 0} for e in ENTITIES}
        for entity, create, update, remove in store.query(conn, "apply/select_applied_counts"):
            counts[entity] = {"create": create, "update": update, "remove": remove}
        store.execute(conn, "apply/drop_apply_tables")
        run.logical_date = logical_date or run.logical_date
        run.landing_sha256 = landing_sha256 or run.landing_sha256
        # A rejected run applied only its schools without a hold; its upload does not count as applied.
        run.status = "rejected" if run.gate_answer == "Reject" else "applied"
        run.roster_version_before = version
        run.counts = counts
        run.applied_at = datetime.now(UTC).replace(tzinfo=None)
        save_sync_run(conn, run)
        if run.status == "applied":
            store.execute(conn, "apply/delete_old_runs", {"run_id": run_id})
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return ApplyResult(run_id, False, counts, held)


class RollbackRefused(RuntimeError):
    """Only the last applied run can be rolled back, one at a time, newest first."""


def _row_type(conn: duckdb.DuckDBPyConnection, table: str) -> str:
    columns = store.query(conn, "apply/select_row_type", {"table": table})
    return json.dumps({name: kind for name, kind in columns})


def rollback_run(conn: duckdb.DuckDBPyConnection, run_id: str) -> str:
    """Restore the roster as it was before `run_id` (the last applied run). Returns the rollback's run id."""
    last = store.query(conn, "apply/select_last_applied_run")
    if not last or last[0][0] != run_id:
        newest = last[0][0] if last else "none"
        raise RollbackRefused(
            f"run {run_id} is not the last applied run (that is {newest}); roll back newer runs first"
        )
    rollback_id = f"rollback__{run_id}"
    row_types = {
        f"{entity}_type": _row_type(conn, table)
        for entity, table in (("account", "accounts"), ("class", "classes"), ("membership", "memberships"))
    } | {"school_type": _row_type(conn, "schools")}
    conn.execute("BEGIN TRANSACTION")
    try:
        version = store.roster_version(conn)
        store.execute(conn, "apply/rollback_run", {"run_id": run_id, "rollback_id": rollback_id, **row_types})
        save_sync_run(
            conn,
            SyncRun(
                rollback_id,
                status="rollback",
                roster_version_before=version,
                applied_at=datetime.now(UTC).replace(tzinfo=None),
                counts={"rolled_back": run_id},
            ),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return rollback_id
