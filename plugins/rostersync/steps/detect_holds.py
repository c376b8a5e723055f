"""detect_holds: the plan and its holds, the record issues' CSVs (one per code), the destructive-changes
CSV and the report pages; when a school's changes wait for review, the admins are told."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import duckdb

from rostersync import plan, reports, store
from rostersync.plan import PlanSummary
from rostersync.run import Run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Planned:
    changes: dict[str, dict[str, int]] = field(default_factory=dict)
    holds: list[dict] = field(default_factory=list)
    is_initial: bool = False
    data_date: str | None = None
    base_run: str | None = None
    """The run the memberships were planned on incrementally (None: planned in full)."""


def detect_holds(run: Run) -> Planned:
    with run.store() as conn:
        if run.disconnected:
            summary = plan.compute_disconnected_plan(conn, run.run_id)
        else:
            summary = _plan_writing_issue_csvs(conn, run)
        reports.write_destructive_changes(conn, run.run_id, run.reports)
        run.write_summaries(
            conn,
            status="waiting for approval" if summary.waiting else "planned",
            counts=summary.changes,
            counts_title="Changes planned",
            approved_by=None,
        )
        pages = reports.school_pages(conn, run.run_id, run.reports)
    log.info("plan: %s; holds: %s", summary.changes, [(h.school, h.reason) for h in summary.holds])
    log.info("memberships planned %s", f"incrementally on run {summary.base_run}" if summary.base_run else "in full")
    if summary.waiting and run.email_admins(
        "hold_placed",
        (run.reports / "destructive_changes.csv",),
        purpose=f"hold_placed:{summary.plan_id}",  # a plan computed again is a new hold to tell
        holds=summary.waiting,
        held_pages={h.school: pages.get(h.school) for h in summary.waiting},
    ):
        log.info("emailed the hold to %d admin address(es)", len(run.config.admin_emails))
    if summary.removals_suppressed:
        log.warning("the upload is %.0f days old: removals suppressed", summary.upload_age_days)
    return Planned(
        summary.changes,
        [h.__dict__ for h in summary.holds],
        summary.is_initial,
        summary.data_date.isoformat() if summary.data_date else None,
        summary.base_run,
    )


def _plan_writing_issue_csvs(conn: duckdb.DuckDBPyConnection, run: Run) -> PlanSummary:
    """The plan, with the record issues' CSVs written meanwhile by a thread on a cursor of its own: the
    files (Python, one core) are written while DuckDB plans, not after the checks with the other core
    idle. The checks' issues are committed by the expectations task; the plan does not change them."""
    reader = store.cursor(conn)
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="issue-csvs") as pool:
            written = pool.submit(_write_issue_csvs, reader, run)
            try:
                summary = plan.compute_plan(conn, run.config, run.run_id, upload_age_days=run.upload_age_days)
            except BaseException:
                failed = written.exception()  # waits for the writer: its own failure is said, not lost
                if failed is not None:
                    log.error("the record issues' CSVs were not written either (%s)", type(failed).__name__)
                raise
        written.result()
    finally:
        reader.close()
    return summary


def _write_issue_csvs(reader: duckdb.DuckDBPyConnection, run: Run) -> None:
    """The run's issue CSVs, while its snapshot is kept. Once a later run was applied, this run's snapshot
    and record issues are gone: the CSVs written while they were stay as they are (writing again would
    remove them and write none)."""
    if store.query(reader, "normalize/select_snapshot_exists", {"run_id": run.run_id}):
        reports.write_record_issues(reader, run.run_id, run.reports)
