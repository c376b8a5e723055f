"""Apply: the frozen plan of a run, verbatim, in one transaction, with a change log and a sync_runs row.

Apply never recomputes a diff. If the roster changed since the plan was computed (another run, or the
app), it refuses and says why; a retry of a run that was already applied changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from rostersync import store
from rostersync.errors import RosterSyncError
from rostersync.gate import released_schools
from rostersync.holds import held_schools
from rostersync.plan import ENTITIES, PlanSummary, plan_logic, plan_summary, roster_fingerprint
from rostersync.runs import APPROVE, PARTIAL, REJECT, TIMED_OUT, SyncRun, load_sync_run, save_sync_run


class PlanStale(RosterSyncError):
    """The roster moved between the plan and the apply."""

    code = "R021"


class BackfillRefused(RosterSyncError):
    """A run for an older date than one already applied: applying it would take the roster back in time."""

    code = "R022"


class ApprovalMissing(RosterSyncError):
    """Schools are on hold and no answer from the gate, for this plan and by an approver, is recorded."""

    code = "R020"


@dataclass(frozen=True)
class ApplyResult:
    run_id: str
    already_applied: bool
    counts: dict[str, dict[str, int]]
    held_schools: list[str]


def apply_plan(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    approvers: Sequence[str] = (),
    logical_date: datetime | None = None,
    landing_sha256: str | None = None,
    force: bool = False,
    blackout: str | None = None,
) -> ApplyResult:
    """Apply the run's plan: schools without a hold, and the held ones if the gate approved this plan.

    A held school needs an answer recorded by the gate for this very plan (by one of `approvers` when
    the district names them); without one nothing is applied. Applying a run twice changes nothing."""
    if logical_date is not None and logical_date.tzinfo is not None:
        logical_date = logical_date.astimezone(UTC).replace(tzinfo=None)
    existing = load_sync_run(conn, run_id)
    if existing and existing.applied_at is not None:
        return ApplyResult(run_id, True, existing.counts, [])
    run = existing or SyncRun(run_id)
    # Three transactions, so that the roster's is the only one to write the roster's database (with
    # ROSTERSYNC_ROSTER_URL, PostgreSQL; DuckDB writes one database per transaction). A failure after the
    # first leaves at most the blackout's holds on the plan, which only hold more.
    with store.transaction(conn):  # the plan: may it apply, and what
        newer = store.query(conn, "apply/select_newer_applied_run", {"run_id": run_id, "logical_date": logical_date})
        if newer and not force:
            raise BackfillRefused(
                f"run {run_id} is for {logical_date:%Y-%m-%d %H:%M}, but run {newer[0][0]} for "
                f"{newer[0][1]:%Y-%m-%d %H:%M} is already applied: applying older data would undo newer "
                "changes. It was checked and its reports written; nothing was applied."
            )
        summary = plan_summary(conn, run_id)
        released = _gate_released(conn, run, summary, held_schools(conn, run_id), approvers)
        if blackout:  # the apply falls in a blackout window: schools with no hold wait too (offered next run)
            store.execute(conn, "apply/insert_blackout_holds", {"run_id": run_id, "reason": blackout})
    try:
        # The rows to apply are chosen before the roster's transaction (which reads them on every thread).
        store.execute(conn, "apply/create_released_schools")
        store.execute(conn, "apply/insert_released_schools", {"run_id": run_id, "released": released})
        store.execute(conn, "apply/prepare_apply", {"run_id": run_id})
        with _stale_if_concurrent(run_id), store.transaction(conn):  # the roster, its log, the run's row: all or none
            version = store.roster_version(conn)
            if version != summary.roster_version:
                raise PlanStale(
                    f"run {run_id}: the roster changed after this plan was computed (plan made on roster "
                    f"version {summary.roster_version}, roster is now {version}); nothing was applied."
                )
            held = [r[0] for r in store.query(conn, "apply/select_held_schools", {"run_id": run_id})]
            store.execute(conn, "apply/apply_plan", {"run_id": run_id})
            # Changed rows: updated in place in PostgreSQL (the app's tables may refer to them), replaced
            # in a DuckDB file (where an update of rows all over a big table holds memory per column).
            in_postgres = store.roster_in_postgres(conn)
            changes = "apply/change_rows_postgres" if in_postgres else "apply/change_rows_duckdb"
            store.execute(conn, changes, {"run_id": run_id})
            store.execute(conn, "apply/create_rows", {"run_id": run_id})
            # A rejected (or timed-out) run applied only its schools without a hold; its upload does not count
            # as applied. A partly released one did apply: its schools still held are offered again next run.
            run.status = {REJECT: "rejected", TIMED_OUT: "approval timed out"}.get(run.gate_answer or "", "applied")
            mark = None
            if run.status == "applied":  # what the next plan may be incremental on: the changes left, the roster
                unapplied = store.query(conn, "apply/select_any_unapplied", {"run_id": run_id})[0][0]
                store.execute(
                    conn,
                    "apply/create_unapplied_changes" if unapplied else "apply/create_no_unapplied_changes",
                    {"run_id": run_id},
                )
                # The roster as this apply leaves it. In PostgreSQL the app may write it once this commits:
                # read here. A DuckDB file is this connection's alone until it closes (DuckDB's file lock, and
                # in a PostgreSQL deployment the district's advisory lock, which every store.connect takes):
                # read after the commit, where DuckDB scans on every thread (inside the transaction, on one:
                # 1.3 s at 1M).
                mark = roster_fingerprint(conn) if in_postgres else None
            counts = {e: {"create": 0, "update": 0, "remove": 0} for e in ENTITIES}
            for entity, create, update, remove in store.query(conn, "apply/select_applied_counts"):
                counts[entity] = {"create": create, "update": update, "remove": remove}
            run.logical_date = logical_date or run.logical_date
            run.landing_sha256 = landing_sha256 or run.landing_sha256
            run.roster_version_before = version
            run.counts = counts
            run.applied_at = datetime.now(UTC).replace(tzinfo=None)
            save_sync_run(conn, run)
    except BaseException:
        with suppress(duckdb.Error):  # the failure is what the caller must see, not a failed cleanup
            store.execute(conn, "apply/drop_apply_tables")
        raise
    store.execute(conn, "apply/drop_apply_tables")
    if run.status == "applied":  # the older runs' snapshots and plans go (the next apply does it if we die here)
        with store.transaction(conn):
            mark = mark or roster_fingerprint(conn)
            store.execute(conn, "apply/delete_old_runs", {"run_id": run_id})
            store.execute(
                conn, "apply/record_roster_mark", {"run_id": run_id, "fingerprint": mark, "plan_logic": plan_logic()}
            )
    return ApplyResult(run_id, False, counts, held)


@contextmanager
def _stale_if_concurrent(run_id: str) -> Iterator[None]:
    """PostgreSQL refuses an update of a row the app changed during the apply (the apply's snapshot is
    REPEATABLE READ): the transaction is rolled back, and the run is told as a stale plan."""
    try:
        yield
    except duckdb.Error as error:
        if not any(sign in str(error) for sign in CONCURRENT):
            raise
        raise PlanStale(
            f"run {run_id}: the app changed the roster while this run applied (or held rows it changes past the "
            "roster user's lock_timeout); nothing was applied. The next run plans again."
        ) from None


CONCURRENT = ("could not serialize access", "deadlock detected", "canceling statement due to lock timeout")
"""PostgreSQL's words for an apply that met the app's own transactions."""


def _gate_released(
    conn: duckdb.DuckDBPyConnection, run: SyncRun, summary: PlanSummary, held: list[str], approvers: Sequence[str]
) -> list[str]:
    """The held schools the gate's answer released; refuses without an answer for this plan."""
    if not held:
        return []
    problem = None
    if run.gate_answer not in (APPROVE, REJECT, PARTIAL, TIMED_OUT) or run.approved_at is None:
        problem = "no answer from the approval gate is recorded"
    elif run.gate_answer != TIMED_OUT and not run.approved_by:
        problem = "no answer from the approval gate is recorded"
    elif run.gate_plan_id is None or run.gate_plan_id != summary.plan_id:
        problem = "the gate's answer was given for another plan (the plan was computed again after it)"
    elif approvers and run.gate_answer != TIMED_OUT and run.approved_by not in approvers:
        problem = f"it was answered by {run.approved_by!r}, who is not one of the district's approvers"
    if problem:
        raise ApprovalMissing(
            message=f"run {run.run_id}: {len(held)} school(s) on hold ({', '.join(held[:10])}), but {problem}; "
            "nothing was applied."
        )
    if run.gate_answer in (REJECT, TIMED_OUT):
        return []  # whatever the decisions table says
    return [school for school in released_schools(conn, run.run_id) if school in held]


class RollbackRefused(RosterSyncError):
    """Only the last applied run can be rolled back, one at a time, newest first."""

    code = "R023"


def _row_type(conn: duckdb.DuckDBPyConnection, table: str) -> str:
    columns = store.query_text(conn, store.sql_with("apply/select_row_type", table=table))
    return json.dumps({name: kind for name, kind in columns})


def rollback_run(conn: duckdb.DuckDBPyConnection, run_id: str) -> str:
    """Restore the roster as it was before `run_id` (the last applied run). Returns the rollback's run id."""
    last = store.query(conn, "apply/select_last_applied_run")
    if not last or last[0][0] != run_id:
        newest = last[0][0] if last else "none"
        raise RollbackRefused(f"run {run_id} is not the last applied run (that is {newest})")
    rollback_id = f"rollback__{run_id}"
    row_types = {
        f"{entity}_type": _row_type(conn, table)
        for entity, table in (("account", "accounts"), ("class", "classes"), ("membership", "memberships"))
    } | {"school_type": _row_type(conn, "schools")}
    with store.transaction(conn):
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
    return rollback_id
