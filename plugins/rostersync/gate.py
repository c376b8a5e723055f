"""The approval gate: what the approver reads (rendered from the frozen plan) and how the answer is stored.

The body names source ids and counts, never names or contacts: it is stored in Airflow's database.
The body links the run's reports: the summary page, each held school's page, the destructive changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import duckdb

from rostersync import markdown as md
from rostersync import store
from rostersync.config import DistrictConfig
from rostersync.holds import NOTHING_TO_RELEASE, Hold, held_schools, plan_holds
from rostersync.plan import plan_summary, school_changes, school_map
from rostersync.runs import APPROVE, REJECT, SyncRun, load_sync_run, save_sync_run

__all__ = ["APPROVE", "NOTHING_TO_RELEASE", "REJECT", "gate_needed", "open_gate", "record_answer", "render_gate"]


def gate_needed(conn: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """A run waits at the gate when a school is on hold for its changes (the first sync always is)."""
    return bool(held_schools(conn, run_id))


def open_gate(conn: duckdb.DuckDBPyConnection, run_id: str) -> SyncRun:
    """The gate starts waiting: record which plan it shows, so the answer releases that plan only."""
    run = load_sync_run(conn, run_id) or SyncRun(run_id)
    if run.applied_at is not None:
        return run
    run.status = "waiting for approval"
    run.gate_answer, run.approved_by, run.approved_at = None, None, None
    run.gate_plan_id = plan_summary(conn, run_id).plan_id
    save_sync_run(conn, run)
    return run


def render_gate(
    conn: duckdb.DuckDBPyConnection, config: DistrictConfig, run_id: str, links: Mapping[str, Any] | None = None
) -> tuple[str, str]:
    """(subject, Markdown body) for the approver, from the run's frozen plan. `links`: the run's
    report links: `summary`, `destructive`, and `schools` (roster school id -> its page)."""
    links = links or {}
    school_pages = links.get("schools", {})
    summary = plan_summary(conn, run_id)
    holds = plan_holds(conn, run_id)
    per_school = school_changes(conn, run_id)
    held: dict[str, list[Hold]] = {}
    for hold in holds:
        held.setdefault(hold.school, []).append(hold)
    kind = "first sync" if summary.is_initial else f"{len(held)} school(s) on hold"
    subject = f"{md.plain(config.name)}: approve roster changes ({kind})"
    lines = [
        f"**District** {md.text(config.name)} ({md.code(config.district_id)}), run {md.code(run_id)}"
        + (f", data as of {summary.data_date}" if summary.data_date else ""),
        "",
        "Approve applies exactly the changes below, computed on roster version "
        f"`{summary.roster_version[:24]}`; if the roster changes before the apply, the apply refuses. "
        "Reject applies nothing for the schools on hold.",
        "",
        "| entity | create | update | remove |",
        "|---|---:|---:|---:|",
    ]
    for entity, counts in summary.changes.items():
        lines.append(f"| {entity} | {counts['create']} | {counts['update']} | {counts['remove']} |")
    for school, school_holds in held.items():
        lines += ["", f"### School {md.code(school)}: on hold"]
        lines += [f"- **{h.reason}**: {md.text(h.detail)}" for h in school_holds]
        page = school_pages.get(school)
        if page:
            lines.append(f"- report: {md.link(f'{school} summary', page)}")
        for entity, counts in per_school.get(school, {}).items():
            lines.append(f"- {entity}: +{counts['create']} ~{counts['update']} -{counts['remove']}")
        params = {"run_id": run_id, "school_id": school}
        largest = store.query(conn, "gate/select_largest_changes", params)
        if largest:
            lines.append("- classes changing most: " + ", ".join(f"{md.code(c)} +{j} -{lv}" for c, j, lv in largest))
        examples = store.query(conn, "gate/select_removal_examples", params)
        if examples:
            lines.append("- removals, first ten by source id: " + ", ".join(f"{e} {md.code(k)}" for e, k in examples))
    not_synced = school_map(conn, run_id)
    if not_synced["unmapped"] or not_synced["deselected"]:
        lines += ["", "### Schools this run does not sync"]
        if not_synced["unmapped"]:
            lines.append(
                "- no mapping in the district config (add them under `schools:` to sync them): "
                + ", ".join(md.code(s) for s in not_synced["unmapped"])
            )
        if not_synced["deselected"]:
            lines.append("- deselected (paused): " + ", ".join(md.code(s) for s in not_synced["deselected"]))
    if summary.removals_suppressed:
        lines += ["", f"**The upload is {summary.upload_age_days:.0f} days old: no removals are planned.**"]
    if links.get("summary"):
        lines += ["", f"Run report (every school, errors and alerts): [summary.html]({md.url(links['summary'])})"]
    if links.get("destructive"):
        lines += ["", f"Every destructive change: [destructive_changes.csv]({md.url(links['destructive'])})"]
    return subject, "\n".join(lines)


def record_answer(
    conn: duckdb.DuckDBPyConnection, run_id: str, answer: str, by: str | None, at: datetime | None
) -> SyncRun:
    """Store who answered the gate, when, and how, with the run (for the plan the gate was opened for)."""
    if answer not in (APPROVE, REJECT):
        raise ValueError(f"gate answer must be {APPROVE} or {REJECT}, got {answer!r}")
    run = load_sync_run(conn, run_id) or SyncRun(run_id)
    if run.applied_at is not None:
        return run
    run.status = "approved" if answer == APPROVE else "rejected"
    run.gate_answer, run.approved_by, run.approved_at = answer, by, at
    save_sync_run(conn, run)
    return run
