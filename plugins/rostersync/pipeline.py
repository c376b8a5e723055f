"""The gates in their order, once: what `check`, the tests and the benchmark run (the DAG wires the same
steps as Airflow tasks, and a test holds its order to this one).

`plan_upload` runs every gate up to the plan on one store connection; `sync` adds the gate's answer and
the apply. Neither sends an email or writes a report: those belong to the DAG's steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from rostersync import apply, gate, plan, quality, snapshot
from rostersync.format_check import FormatCheckFailed, FormatReport, NothingToSync, check_folder

if TYPE_CHECKING:
    from rostersync.config import DistrictConfig

ORDER = (
    "land_files",
    "format_check",
    "normalize",
    "expectations",
    "detect_holds",
    "approve",
    "apply_diff",
    "notify",
    "outcome",
)
"""The DAG's tasks, in order (and remind_approvers beside approve)."""


__all__ = ["ORDER", "NothingToSync", "Planned", "plan_upload", "sync"]


@dataclass
class Planned:
    report: FormatReport
    counts: snapshot.SnapshotCounts
    quality: quality.QualityResult
    summary: plan.PlanSummary

    @property
    def holds(self) -> list[plan.Hold]:
        return list(self.summary.holds)


def plan_upload(
    conn: duckdb.DuckDBPyConnection,
    config: DistrictConfig,
    folder: Path,
    run_id: str,
    *,
    work: Path | None = None,
    results_dir: Path | None = None,
    upload_age_days: float | None = None,
    suites: bool = True,
    data_date: date | None = None,
    preview: bool = False,
) -> Planned:
    """format_check, normalize, expectations and detect_holds over the upload in `folder` (a zipped
    package is unpacked into `work`). Raises FormatCheckFailed, ExpectationsFailed or the run-level
    refusals of normalize, as the DAG's tasks do. `suites=False` skips the Great Expectations suites
    (they report; the record checks, which decide what is applied, always run). `data_date`: the day
    the data stands for (default today). `preview`: a delta package without an applied snapshot under
    it is read alone instead of refused (NothingToSync for a manifest-only package either way)."""
    fmt = config.fmt
    report = check_folder(fmt, folder, work=work)
    if not report.ok:
        raise FormatCheckFailed(report)
    if report.no_change:
        raise NothingToSync(report.summary())
    counts = snapshot.normalize(
        conn, fmt, Path(report.folder), run_id, checked_rows=report.rows, data_date=data_date, preview=preview
    )
    result = quality.run_quality(conn, run_id, results_dir) if suites else quality.record_issues_only(conn, run_id)
    summary = plan.compute_plan(conn, config, run_id, upload_age_days=upload_age_days)
    return Planned(report, counts, result, summary)


def sync(
    conn: duckdb.DuckDBPyConnection,
    config: DistrictConfig,
    folder: Path,
    run_id: str,
    answer: str | None = gate.APPROVE,
    by: str = "approver",
    **options,
) -> tuple[Planned, apply.ApplyResult]:
    """A whole run without Airflow: plan, answer the gate as `by` (when a school is held and `answer` is
    given), apply."""
    planned = plan_upload(conn, config, folder, run_id, **options)
    if answer is not None and gate.gate_needed(conn, run_id):
        gate.open_gate(conn, run_id)
        gate.record_answer(conn, run_id, answer, by, datetime.now())
    return planned, apply.apply_plan(conn, run_id, approvers=config.approvers)
