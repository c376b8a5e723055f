"""apply_diff: the frozen plan, verbatim, in one transaction (held schools only with the gate's answer)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from rostersync import apply
from rostersync.run import Run

log = logging.getLogger(__name__)


def apply_diff(run: Run, force_backfill: bool = False) -> apply.ApplyResult:
    with run.store() as conn:
        result = apply.apply_plan(
            conn,
            run.run_id,
            approvers=run.config.approvers,
            logical_date=run.logical_date or datetime.now(UTC),
            landing_sha256=run.manifest.get("upload_sha256"),
            force=force_backfill,
            blackout=window.reason if (window := run.config.in_blackout(datetime.now(UTC))) else None,
        )
    if result.already_applied:
        log.info("run %s was already applied; nothing changed", run.run_id)
    log.info("applied: %s; still on hold: %s", result.counts, result.held_schools)
    return result
