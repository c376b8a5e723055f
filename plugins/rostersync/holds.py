"""Holds: the rules that stop a school's changes until someone approves them, applied over the plan."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from rostersync import store
from rostersync.config import DistrictConfig

NOTHING_TO_RELEASE = ("disconnected",)
"""Holds that an approval cannot release: there is no change to apply."""


@dataclass(frozen=True)
class Hold:
    school: str
    reason: str
    detail: str


def detect_holds(conn: duckdb.DuckDBPyConnection, config: DistrictConfig, run_id: str) -> list[Hold]:
    """Replace the run's holds from its plan (`plan.compute_plan` already wrote them with the plan, in
    one transaction; this recomputes them); returns them, per school."""
    with store.transaction(conn):
        insert_holds(conn, config, run_id)
    return plan_holds(conn, run_id)


def insert_holds(conn: duckdb.DuckDBPyConnection, config: DistrictConfig, run_id: str) -> None:
    """The hold rules over the run's plan, inside the caller's transaction."""
    thresholds = config.holds
    store.execute(
        conn,
        "holds/insert_plan_holds",
        {
            "run_id": run_id,
            "removal_share": thresholds.removal_share,
            "removal_min_count": thresholds.removal_min_count,
            "update_share": thresholds.update_share,
            "update_min_count": thresholds.update_min_count,
            "addition_share": thresholds.addition_share,
            "addition_min_count": thresholds.addition_min_count,
        },
    )


def plan_holds(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[Hold]:
    return [Hold(*row) for row in store.query(conn, "holds/select_plan_holds", {"run_id": run_id})]


def held_schools(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """Schools whose changes wait for the gate's answer (a disconnected school has none to release)."""
    return sorted({h.school for h in plan_holds(conn, run_id) if h.reason not in NOTHING_TO_RELEASE})
