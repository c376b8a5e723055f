"""expectations: the Great Expectations suites and the record-level checks (their CSVs are written by
detect_holds, beside the plan)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from rostersync import quality
from rostersync.run import Run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Findings:
    errors: dict[str, int] = field(default_factory=dict)
    alerts: dict[str, int] = field(default_factory=dict)
    suites: dict[str, dict] = field(default_factory=dict)


def expectations(run: Run) -> Findings:
    if run.disconnected:
        return Findings()
    results_dir = run.reports / "expectations"
    with run.store() as conn:
        result = quality.run_quality(conn, run.run_id, results_dir)
    log.info("record errors %s, alerts %s; GX results in %s", result.errors, result.alerts, results_dir)
    return Findings(result.errors, result.alerts, result.suites)
