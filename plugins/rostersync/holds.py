"""Holds: the rules that stop a school's changes until someone approves them, applied over the plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from rostersync import store
from rostersync.config import DistrictConfig

NOTHING_TO_RELEASE = ("disconnected", "paused")
"""Holds that an approval cannot release: no change to apply (disconnected), or the district's own
choice to apply nothing (mode paused)."""


@dataclass(frozen=True)
class Hold:
    school: str
    reason: str
    detail: str


def detect_holds(
    conn: duckdb.DuckDBPyConnection, config: DistrictConfig, run_id: str, now: datetime | None = None
) -> list[Hold]:
    """Replace the run's holds from its plan (`plan.compute_plan` already wrote them with the plan, in
    one transaction; this recomputes them); returns them, per school."""
    with store.transaction(conn):
        insert_holds(conn, config, run_id, now)
    return plan_holds(conn, run_id)


def insert_holds(
    conn: duckdb.DuckDBPyConnection, config: DistrictConfig, run_id: str, now: datetime | None = None
) -> None:
    """The hold rules over the run's plan, inside the caller's transaction: each entity's thresholds,
    the district's mode (additive: removals hold nothing) and blackout windows (read at `now`, default
    the present moment, on the district's clock: a blackout is about when the app's roster changes)."""
    blackout = config.in_blackout(now or datetime.now(UTC))
    store.execute(conn, "holds/create_thresholds")
    conn.executemany(store.sql("holds/insert_threshold"), config.holds.rows())
    store.execute(
        conn,
        "holds/insert_plan_holds",
        {
            "run_id": run_id,
            "paused": config.mode == "paused",
            "additive": config.mode == "additive",
            "blackout": blackout is not None,
            "blackout_reason": blackout.reason if blackout else "",
        },
    )
    store.execute(conn, "holds/drop_thresholds")


def plan_holds(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[Hold]:
    return [Hold(*row) for row in store.query(conn, "holds/select_plan_holds", {"run_id": run_id})]


def held_schools(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """Schools whose changes wait for the gate's answer. A school with a hold no answer can release
    (disconnected: no change to apply; paused: the district's choice) is never offered, whatever else
    holds it."""
    return sorted({h.school for h in releasable(plan_holds(conn, run_id))})


def releasable(found: list[Hold]) -> list[Hold]:
    """The holds an answer at the gate can release: those of schools with no hold in NOTHING_TO_RELEASE."""
    stuck = {h.school for h in found if h.reason in NOTHING_TO_RELEASE}
    return [h for h in found if h.school not in stuck]
