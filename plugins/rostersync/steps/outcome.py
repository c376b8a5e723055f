"""outcome: the run's ending in one line, so that a run that kept schools on hold (rejected, partly
released, timed out, paused, disconnected) does not look like one that applied everything. The DAG
ends such a run's last task as skipped with this line; a run that applied every change succeeds."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from rostersync import gate, holds, runs
from rostersync.run import Run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    all_applied: bool
    message: str
    kept_on_hold: list[str]


def outcome(run: Run) -> Outcome | None:
    """None when the run applied nothing at all (no new data, or it stopped before apply_diff)."""
    with run.store(read_only=True) as conn:
        synced = runs.load_sync_run(conn, run.run_id)
        if synced is None or synced.applied_at is None:
            return None
        reasons = {h.school: h.reason for h in holds.plan_holds(conn, run.run_id)}
        released = set(gate.released_schools(conn, run.run_id))
    kept = sorted(school for school in reasons if school not in released)
    listed = ", ".join(kept[:10]) + (f" and {len(kept) - 10} more" if len(kept) > 10 else "")
    if not kept:
        message = f"applied: every change of this run ({_answer(synced)})"
    elif synced.gate_answer == runs.TIMED_OUT:
        message = f"approval timed out: {len(kept)} school(s) kept on hold ({listed}); the next run asks again"
    elif synced.gate_answer == runs.REJECT:
        message = f"rejected at the gate by {synced.approved_by}: {len(kept)} school(s) kept on hold ({listed})"
    elif synced.gate_answer == runs.PARTIAL:
        message = (
            f"partly released by {synced.approved_by}: {len(released)} school(s) applied, "
            f"{len(kept)} kept on hold ({listed}); the next run offers them again"
        )
    else:
        why = sorted({reasons[school] for school in kept})
        message = f"{len(kept)} school(s) not applied ({', '.join(why)}): {listed}"
    log.info("outcome: %s", message)
    return Outcome(not kept, message, kept)


def _answer(synced: runs.SyncRun) -> str:
    if synced.gate_answer == runs.APPROVE and synced.approved_by:
        return f"approved by {synced.approved_by}"
    return "nothing on hold"
