"""The plan: every change a run would make to the roster, computed once by set-based SQL and frozen.

The plan is stored with the roster version it was computed on; the gate shows it and apply applies it
verbatim. Nothing here writes to the roster.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from rostersync import store
from rostersync.config import DistrictConfig
from rostersync.errors import RosterSyncError
from rostersync.holds import Hold, insert_holds, plan_holds, releasable

ENTITIES = ("accounts", "classes", "memberships")
STALE_AFTER_DAYS = 90
WARN_AFTER_DAYS = 80
"""An upload this old gets the admins a warning, before it turns stale at STALE_AFTER_DAYS."""
"""An upload older than this is stale: it creates and updates, but removes nothing."""


class PlanSuperseded(RosterSyncError):
    """Another run of the district applied after this one was planned: this plan no longer exists."""

    code = "R024"


@dataclass(frozen=True)
class PlanSummary:
    run_id: str
    roster_version: str
    is_initial: bool
    changes: dict[str, dict[str, int]]  # entity -> {create, update, remove}
    removals_suppressed: bool = False
    upload_age_days: float | None = None
    plan_id: str | None = None
    data_date: date | None = None
    """The day the data stands for: enrollments and terms were current on it or not."""
    holds: tuple[Hold, ...] = ()
    """The plan's holds, per school (computed with it, in one transaction)."""
    computed_at: datetime | None = None
    """When the plan was computed: the roster as of then is what it changes (UTC)."""

    @property
    def waiting(self) -> list[Hold]:
        """The holds an approval can release: of the schools with no hold that none can release (a
        disconnected school has no change; a paused one is the district's choice)."""
        return releasable(list(self.holds))

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.changes.values())


def compute_plan(
    conn: duckdb.DuckDBPyConnection,
    config: DistrictConfig,
    run_id: str,
    upload_age_days: float | None = None,
    now: datetime | None = None,
) -> PlanSummary:
    """Diff the run's snapshot against the roster into the plan tables, and the holds over it, replacing
    any earlier plan, in one transaction (a plan never exists without its holds).

    `upload_age_days`: how old the upload is; past STALE_AFTER_DAYS the plan makes no removals. `now`: the
    clock the district's blackout windows are read on (default: now)."""
    with store.transaction(conn):
        version = store.roster_version(conn)
        store.execute(conn, "plan/create_cfg_schools")
        if config.schools:
            conn.executemany(
                store.sql("plan/insert_cfg_school"),
                [(sid, school.roster_id, school.selected) for sid, school in config.schools.items()],
            )
        store.execute(conn, "plan/delete_run_plan", {"run_id": run_id})
        store.execute(
            conn,
            "plan/insert_plan",
            {
                "run_id": run_id,
                "roster_version": version,
                "mapping_required": bool(config.schools),
                "teachers": config.accounts.teachers,
                "students": config.accounts.students,
                "parents": config.accounts.parents,
                "suppress_removals": upload_age_days is not None and upload_age_days > STALE_AFTER_DAYS,
                "upload_age_days": upload_age_days,
                "plan_id": uuid.uuid4().hex,
                "settings": json.dumps(config.settings()),
            },
        )
        store.execute(conn, "plan/drop_cfg_schools")
        insert_holds(conn, config, run_id, now)
    return plan_summary(conn, run_id)


def compute_disconnected_plan(conn: duckdb.DuckDBPyConnection, run_id: str) -> PlanSummary:
    """The source refused us: a plan with no change, and every roster school held as Disconnected."""
    with store.transaction(conn):
        store.execute(conn, "plan/delete_run_plan", {"run_id": run_id})
        store.execute(
            conn,
            "plan/insert_disconnected_plan",
            {"run_id": run_id, "roster_version": store.roster_version(conn), "plan_id": uuid.uuid4().hex},
        )
    return plan_summary(conn, run_id)


def plan_summary(conn: duckdb.DuckDBPyConnection, run_id: str) -> PlanSummary:
    rows = store.query(conn, "plan/select_plan_run", {"run_id": run_id})
    if not rows:
        superseded = store.query(conn, "plan/select_superseded_by", {"run_id": run_id})
        if superseded:
            raise PlanSuperseded(
                f"run {run_id} was superseded by run {superseded[0][0]}, applied after this run was planned: "
                "its plan is gone."
            )
        raise LookupError(f"no plan for run {run_id}: detect_holds has not run for it")
    changes = {e: {"create": 0, "update": 0, "remove": 0} for e in ENTITIES}
    for entity, create, update, remove in store.query(conn, "plan/select_change_counts", {"run_id": run_id}):
        changes[entity] = {"create": create, "update": update, "remove": remove}
    version, is_initial, suppressed, age, plan_id, data_date, computed_at = rows[0]
    found = tuple(plan_holds(conn, run_id))
    return PlanSummary(
        run_id, version, is_initial, changes, bool(suppressed), age, plan_id, data_date, found, computed_at
    )


def school_map(conn: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, list[str]]:
    """Source schools this run does not sync: {"unmapped": [...], "deselected": [...]}."""
    rows = store.query(conn, "plan/select_school_map", {"run_id": run_id})
    return {
        "unmapped": [sid for sid, _selected, mapped in rows if not mapped],
        "deselected": [sid for sid, selected, mapped in rows if mapped and not selected],
    }


def school_changes(conn: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, dict[str, dict[str, int]]]:
    """school_id -> entity -> {create, update, remove}."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for school, entity, create, update, remove in store.query(conn, "plan/select_school_changes", {"run_id": run_id}):
        out.setdefault(school, {})[entity] = {"create": create, "update": update, "remove": remove}
    return out
