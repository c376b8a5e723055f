"""approve: the gate's text and options from the frozen plan, the gate opened on that plan, the
approvers told (once, and reminded once), the answer recorded per school, a timeout recorded as
nothing released."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rostersync import gate, plan, reports, runs
from rostersync.run import Run

log = logging.getLogger(__name__)

APPROVE, REJECT = gate.APPROVE, gate.REJECT
"""The gate's two fixed options (the others are one per held school)."""
REASON_MAX = 500
"""The longest reason kept (the form says so; a longer one, from the REST API, is cut)."""


@dataclass(frozen=True)
class Gate:
    needed: bool
    subject: str = ""
    body: str = ""
    options: list[str] = field(default_factory=list)


def open_gate(run: Run) -> Gate:
    """The gate for this run; when needed, it is recorded as waiting on the current plan (the answer
    will release that plan, no other), with its options: Approve, Reject, one per held school."""
    with run.store() as conn:
        if not gate.gate_needed(conn, run.run_id):
            return Gate(False)
        options = gate.open_gate(conn, run.run_id)
        links = {**run.report_links(), "schools": reports.school_pages(conn, run.run_id, run.reports)}
        subject, body = gate.render_gate(conn, run.config, run.run_id, links)
    return Gate(True, subject, body, options)


def approvers_to_tell(run: Run) -> list[str]:
    """The district's approver_emails, and its approvers whose Airflow user ids are email addresses."""
    found = [*run.config.approver_emails, *(a for a in run.config.approvers if "@" in a)]
    return list(dict.fromkeys(found))


def tell_approvers(run: Run, link: str | None, purpose: str = "approval_waiting") -> bool:
    """Email the approvers that the gate waits, with the held schools, the counts and the link to its
    Required Action (recorded with the run, for the reminder). Once per run and purpose."""
    with run.store() as conn:
        synced = runs.load_sync_run(conn, run.run_id)
        if synced is not None and link:
            synced.gate_link = link
            runs.save_sync_run(conn, synced)
        summary = plan.plan_summary(conn, run.run_id)
    to = approvers_to_tell(run)
    if not to:
        return False
    deadline = (synced.gate_opened_at if synced and synced.gate_opened_at else datetime.now(UTC)) + timedelta(
        hours=run.config.response_timeout_hours
    )
    return run.email(
        to,
        "approval_waiting",
        purpose=f"{purpose}:{summary.plan_id}",
        reminder=purpose == "approval_reminder",
        link=link or (synced.gate_link if synced else None),
        holds=summary.waiting,
        changes=summary.changes,
        deadline=deadline,
    )


def remind_approvers(run: Run, now: datetime | None = None) -> bool:
    """Send the run's one reminder if its gate still waits `reminder_after_hours` after it opened.
    Returns whether it was sent now (never twice: the email ledger keeps it once per run). `now`:
    naive UTC, like the store's timestamps."""
    hours = run.config.reminder_after_hours
    if not hours:
        return False
    with run.store(read_only=True) as conn:
        synced = runs.load_sync_run(conn, run.run_id)
        needed = gate.gate_needed(conn, run.run_id)
    if not needed or synced is None or synced.gate_opened_at is None:
        return False  # nothing to wait on, or the gate has not opened
    if synced.gate_answer is not None or synced.applied_at is not None:
        return False  # answered
    if (now or datetime.now(UTC).replace(tzinfo=None)) - synced.gate_opened_at < timedelta(hours=hours):
        return False  # not yet
    return tell_approvers(run, synced.gate_link, purpose="approval_reminder")


def offered_options(run: Run) -> list[str]:
    with run.store(read_only=True) as conn:
        return gate.offered_options(conn, run.run_id)


def record_answer(
    run: Run, answer: str | list[str], by: str | None, at: datetime | None, reason: str | None = None
) -> runs.SyncRun:
    reason = (reason or "").strip()[:REASON_MAX] or None
    with run.store() as conn:
        recorded = gate.record_answer(conn, run.run_id, answer, by, at, reason)
        released = gate.released_schools(conn, run.run_id)
    log.info("gate answer for %s: %s by %s; released %d school(s)", run.run_id, recorded.gate_answer, by, len(released))
    return recorded


def record_timeout(run: Run) -> None:
    """Nobody answered in time: nothing held is released, the admins are told, the next run asks again."""
    record_answer(run, gate.TIMED_OUT, None, datetime.now(UTC).replace(tzinfo=None))
    with run.store(read_only=True) as conn:
        summary = plan.plan_summary(conn, run.run_id)
    try:
        run.email_admins("approval_timed_out", holds=summary.waiting, hours=run.config.response_timeout_hours)
    except Exception as error:  # recorded already: the apply must still run for the schools not on hold
        log.warning("the admins could not be told of the timeout (%s: %s)", type(error).__name__, error)
    log.warning(
        "the gate of %s timed out after %d h: held schools stay held", run.run_id, run.config.response_timeout_hours
    )
