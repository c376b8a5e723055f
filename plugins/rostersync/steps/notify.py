"""notify: the summary email to the district's admins (applied, rejected or disconnected) and the run's
report pages rewritten with what was applied."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from rostersync import plan, quality, runs, store
from rostersync.run import Run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notified:
    status: str
    recipients: int
    sent_before: bool


def notify_admins(run: Run) -> Notified | None:
    """None: the run applied nothing (every task before it was skipped)."""
    with run.store() as conn:
        synced = runs.load_sync_run(conn, run.run_id)
        if synced is None or synced.applied_at is None:
            return None
        summary = plan.plan_summary(conn, run.run_id)
        errors, alerts = quality.split_by_severity(quality.record_issue_counts(conn, run.run_id))
        not_synced = plan.school_map(conn, run.run_id)
        state = {school: value for school, value, _reasons in store.query(conn, "apply/select_school_states")}
        answered: dict[str, Any] = {"approved_by": synced.approved_by, "approved_at": synced.approved_at}
        page = run.write_summaries(
            conn, status=synced.status, counts=synced.counts, counts_title="Changes applied", applied=True, **answered
        )
    context: dict[str, Any]
    if any(h.reason == "disconnected" for h in summary.holds):
        template, context = "clever_disconnected", {}
    elif synced.status == "rejected":
        template, context = "sync_rejected", {"holds": summary.waiting, "counts": synced.counts}
    else:
        template, context = (
            "sync_completed",
            {
                "counts": synced.counts,
                "held_schools": sorted(s for s, v in state.items() if v == "On hold"),
                "school_states": dict(sorted(state.items())),
                "not_synced": not_synced,
                "removals_suppressed": summary.removals_suppressed,
                "upload_age_days": summary.upload_age_days,
                "errors": errors,
                "alerts": alerts,
            },
        )
    sent = run.email_admins(template, purpose="summary", **answered, **context)
    if sent:
        log.info("emailed %d admin address(es): %s; summary page %s", len(run.config.admin_emails), synced.status, page)
    return Notified(synced.status, len(run.config.admin_emails) if sent else 0, not sent)
