"""Holds: the rules that stop a school's changes until someone approves them, applied over the plan."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from rostersync import store
from rostersync.config import DistrictConfig


@dataclass(frozen=True)
class Hold:
    school: str
    reason: str
    detail: str


def detect_holds(conn: duckdb.DuckDBPyConnection, config: DistrictConfig, run_id: str) -> list[Hold]:
    """Replace the run's holds from its plan; returns them, per school."""
    thresholds = config.holds
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute("DELETE FROM plan_holds WHERE run_id = ?", [run_id])
        store.execute(
            conn,
            "holds/insert_plan_holds",
            {
                "run_id": run_id,
                "removal_share": thresholds.removal_share,
                "removal_min_count": thresholds.removal_min_count,
                "update_share": thresholds.update_share,
                "update_min_count": thresholds.update_min_count,
            },
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return plan_holds(conn, run_id)


def plan_holds(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[Hold]:
    return [Hold(*row) for row in store.query(conn, "holds/select_plan_holds", {"run_id": run_id})]
