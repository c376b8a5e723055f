"""format_check: every landed file against the format; on any error the admins get the list."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from rostersync import reports
from rostersync.format_check import FormatCheckFailed, check_folder
from rostersync.run import Run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checked:
    rows: dict[str, int] = field(default_factory=dict)
    alerts: int = 0
    no_change: bool = False
    """A OneRoster package of its manifest alone: the run ends as no new data."""


def format_check(run: Run) -> Checked:
    """Check the landed files; on any error, email the admins the catalogue entries and fail."""
    if run.disconnected:
        log.info("disconnected: nothing was pulled, nothing to check")
        return Checked()
    fmt = run.config.fmt
    report = check_folder(fmt, run.landing)
    reports.write_format_report(report, run.reports)
    if report.ok:
        log.info(report.summary())
        return Checked(report.rows, len(report.alerts), report.no_change)
    csv_path = reports.write_format_errors(report, run.reports)
    run.email_admins(
        "format_errors",
        (csv_path,),
        format_title=fmt.title,
        errors=[e.as_dict() for e in report.errors[:100]],
        error_count=report.error_count,
    )
    raise FormatCheckFailed(report)
