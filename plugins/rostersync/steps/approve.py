"""approve: the gate's text from the frozen plan, the gate opened on that plan, the answer recorded."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from rostersync import gate, reports
from rostersync.run import Run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Gate:
    needed: bool
    subject: str = ""
    body: str = ""


def open_gate(run: Run) -> Gate:
    """The gate for this run; when needed, it is recorded as waiting on the current plan (the answer
    will release that plan, no other)."""
    with run.store() as conn:
        if not gate.gate_needed(conn, run.run_id):
            return Gate(False)
        gate.open_gate(conn, run.run_id)
        links = {**run.report_links(), "schools": reports.school_pages(conn, run.run_id, run.reports)}
        subject, body = gate.render_gate(conn, run.config, run.run_id, links)
    return Gate(True, subject, body)


def record_answer(run: Run, answer: str, by: str | None, at: datetime | None) -> None:
    with run.store() as conn:
        gate.record_answer(conn, run.run_id, answer, by, at)
    log.info("gate answer for %s: %s by %s", run.run_id, answer, by)
