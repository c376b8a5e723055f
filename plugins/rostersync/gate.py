"""The approval gate: what the approver reads (rendered from the frozen plan), the options it offers
(every held school, one by one, or all, or none), and how the answer is stored, per school.

The body names schools, source ids and counts, never people's names or contacts: it is stored in
Airflow's database. It links the run's reports: the summary, each held school's page, the removals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import duckdb

from rostersync import markdown as md
from rostersync import store
from rostersync.config import DistrictConfig
from rostersync.holds import NOTHING_TO_RELEASE, Hold, held_schools
from rostersync.plan import PlanSummary, plan_summary, school_changes, school_map
from rostersync.runs import APPROVE, PARTIAL, REJECT, TIMED_OUT, SyncRun, load_sync_run, save_sync_run

__all__ = [
    "APPROVE",
    "NOTHING_TO_RELEASE",
    "REJECT",
    "TIMED_OUT",
    "gate_needed",
    "offered_options",
    "open_gate",
    "record_answer",
    "render_gate",
]


def gate_needed(conn: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """A run waits at the gate when a school is on hold for its changes (a school's first sync always is)."""
    return bool(held_schools(conn, run_id))


def school_names(conn: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, tuple[str, str | None]]:
    """Roster school id -> (source id, name) of the run's schools."""
    return {sid: (src, name) for sid, src, name in store.query(conn, "gate/select_school_names", {"run_id": run_id})}


def _labels(schools: list[str], names: Mapping[str, tuple[str, str | None]]) -> list[str]:
    """Each held school's option at the gate: its roster id and name on one line, at most 200 characters
    (the name is cut first, then the id), and never the same text for two schools (a number is added)."""
    labels: list[str] = []
    for school in schools:
        name = names.get(school, (school, None))[1]
        sid = md.plain(school)
        label = f"Release {sid[:120]}" + ("..." if len(sid) > 120 else "")
        if name:
            label += f" ({md.plain(name)[: 190 - len(label)]})"
        while label in labels or label in (APPROVE, REJECT, TIMED_OUT):
            label = f"{label[:190]} #{len(labels) + 1}"
        labels.append(label)
    return labels


def open_gate(
    conn: duckdb.DuckDBPyConnection, run_id: str, link: str | None = None, at: datetime | None = None
) -> list[str]:
    """The gate starts waiting: record which plan it shows (the answer releases that plan only), when,
    where (its link), and the options it offers: Approve (every held school), Reject (none), and one per
    held school. Returns the options."""
    run = load_sync_run(conn, run_id) or SyncRun(run_id)
    if run.applied_at is not None:
        return offered_options(conn, run_id)
    run.status = "waiting for approval"
    run.gate_answer, run.approved_by, run.approved_at = None, None, None
    run.gate_plan_id = plan_summary(conn, run_id).plan_id
    run.gate_opened_at, run.gate_link = at or datetime.now(UTC).replace(tzinfo=None), link or run.gate_link
    names = school_names(conn, run_id)
    held = held_schools(conn, run_id)
    options = [(APPROVE, None), (REJECT, None), *zip(_labels(held, names), held, strict=True)]
    # The options first, the run's row last: with the roster in PostgreSQL the two are in two databases.
    with store.transaction(conn):
        store.execute(conn, "gate/delete_gate", {"run_id": run_id})
        for option, school in options:
            store.execute(conn, "gate/insert_gate_option", {"run_id": run_id, "option": option, "school_id": school})
    save_sync_run(conn, run)
    return [option for option, _ in options]


def offered_options(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    return [option for option, _ in store.query(conn, "gate/select_gate_options", {"run_id": run_id})]


def record_answer(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    answer: str | Iterable[str],
    by: str | None,
    at: datetime | None,
    reason: str | None = None,
) -> SyncRun:
    """Store the gate's answer with the run and one decision per held school: the schools released
    (Approve: all; Reject or a timeout: none, whatever else was ticked with it; else the schools
    chosen), who, when, and the reason."""
    chosen = [answer] if isinstance(answer, str) else list(answer)
    held = held_schools(conn, run_id)
    per_option = dict(store.query(conn, "gate/select_gate_options", {"run_id": run_id}))
    unknown = [c for c in chosen if c not in per_option and c not in (APPROVE, REJECT, TIMED_OUT)]
    if unknown or not chosen:
        raise ValueError(f"gate answer must be {APPROVE}, {REJECT} or a school the gate offered, got {chosen!r}")
    if REJECT in chosen or TIMED_OUT in chosen:
        released: set[str] = set()  # the safe reading of a contradictory answer
    elif APPROVE in chosen:
        released = set(held)
    else:
        released = {per_option[c] for c in chosen if per_option.get(c)} & set(held)
    run = load_sync_run(conn, run_id) or SyncRun(run_id)
    if run.applied_at is not None:
        return run
    if TIMED_OUT in chosen:
        summary = TIMED_OUT
    elif REJECT in chosen:
        summary = REJECT
    else:
        summary = APPROVE if held and released == set(held) else REJECT if not released else PARTIAL
    run.status = {APPROVE: "approved", PARTIAL: "partly approved"}.get(summary, "rejected")
    run.gate_answer, run.approved_by, run.approved_at = summary, by, at
    # The decisions first, the answer on the run's row last (with the roster in PostgreSQL they are in two
    # databases): an answer is never recorded without the decisions it releases.
    with store.transaction(conn):
        store.execute(conn, "gate/delete_decisions", {"run_id": run_id})
        for school in held:
            store.execute(
                conn,
                "gate/insert_gate_decision",
                {
                    "run_id": run_id,
                    "school_id": school,
                    "released": school in released,
                    "reason": reason,
                    "decided_by": by,
                    "decided_at": at,
                },
            )
    save_sync_run(conn, run)
    return run


def released_schools(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    return [school for (school,) in store.query(conn, "gate/select_released_schools", {"run_id": run_id})]


def _split_totals(summary: PlanSummary, per_school: Mapping[str, Mapping[str, Mapping[str, int]]]) -> dict:
    """Entity -> {"now": counts, "waits": counts}: what applies without an answer, and what waits."""
    held = {h.school for h in summary.waiting}
    empty = {"create": 0, "update": 0, "remove": 0}
    totals = {e: {"now": dict(empty), "waits": dict(empty)} for e in summary.changes}
    for school, entities in per_school.items():
        side = "waits" if school in held else "now"
        for entity, counts in entities.items():
            for op, n in counts.items():
                totals[entity][side][op] += n
    return totals


def render_gate(
    conn: duckdb.DuckDBPyConnection, config: DistrictConfig, run_id: str, links: Mapping[str, Any] | None = None
) -> tuple[str, str]:
    """(subject, Markdown body) for the approver, from the run's frozen plan. `links`: the run's
    report links: `summary`, `destructive`, and `schools` (roster school id -> its page)."""
    links = links or {}
    school_pages = links.get("schools", {})
    summary = plan_summary(conn, run_id)
    per_school = school_changes(conn, run_id)
    names = school_names(conn, run_id)
    held: dict[str, list[Hold]] = {}
    for hold in summary.waiting:
        held.setdefault(hold.school, []).append(hold)
    kind = "first sync" if summary.is_initial else f"{len(held)} school(s) on hold"
    subject = f"{md.plain(config.name)}: approve roster changes ({kind})"
    as_of = f"{summary.computed_at:%Y-%m-%d %H:%M} UTC" if summary.computed_at else "when the plan was made"
    lines = [
        f"**District** {md.text(config.name)} ({md.code(config.district_id)}), run {md.code(run_id)}"
        + (f", data as of {summary.data_date}" if summary.data_date else ""),
        "",
        f"These changes were computed on the roster as of {as_of}; if the roster changes before the apply, "
        "the apply refuses and a new plan is needed. Choose **Approve** to release every school below, "
        "**Reject** to release none, or the schools to release one by one: a school not released stays on "
        "hold and is offered again at the next run. Schools not on hold apply either way.",
        "",
        "| entity | applies now: create | update | remove | waits for you: create | update | remove |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for entity, sides in _split_totals(summary, per_school).items():
        now, waits = sides["now"], sides["waits"]
        lines.append(
            f"| {entity} | {now['create']} | {now['update']} | {now['remove']} "
            f"| {waits['create']} | {waits['update']} | {waits['remove']} |"
        )
    lines += ["", f"**Controls**: {md.text(config.controls())}."]
    for school, school_holds in held.items():
        source, name = names.get(school, (school, None))
        title = md.text(name) + " " if name else ""
        lines += [
            "",
            f"### {title}({md.code(school)}"
            + (f", source id {md.code(source)}" if source != school else "")
            + "): on hold",
        ]
        lines += [f"- **{h.reason}**: {md.text(h.detail)}" for h in school_holds]
        page = school_pages.get(school)
        if page:
            lines.append(f"- report: {md.link(f'{name or school} summary', page)}")
        for entity, counts in per_school.get(school, {}).items():
            lines.append(f"- {entity}: +{counts['create']} ~{counts['update']} -{counts['remove']}")
        examples = store.query(conn, "gate/select_removal_examples", {"run_id": run_id, "school_id": school})
        if examples:
            lines.append("- removals, first ten: " + ", ".join(f"{e} {md.code(k)}" for e, k in examples))
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
