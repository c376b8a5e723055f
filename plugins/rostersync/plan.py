"""The plan: every change a run would make to the roster, computed once by set-based SQL and frozen.

The plan is stored with the roster version it was computed on; the gate shows it and apply applies it
verbatim. Nothing here writes to the roster.
"""

from __future__ import annotations

import hashlib
import json
import os
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


class SnapshotGone(RosterSyncError):
    """The run's snapshot is not kept: planned from nothing, every record would be removed."""

    code = "R013"


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
    base_run: str | None = None
    """The run the memberships were planned on incrementally (None: a full plan)."""

    @property
    def waiting(self) -> list[Hold]:
        """The holds an approval can release: of the schools with no hold that none can release (a
        disconnected school has no change; a paused one is the district's choice)."""
        return releasable(list(self.holds))

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.changes.values())


FULL_PLAN_ENV = "ROSTERSYNC_FULL_PLAN"
"""Set to 1, every plan is computed in full (a forced rebuild), never incrementally."""


def compute_plan(
    conn: duckdb.DuckDBPyConnection,
    config: DistrictConfig,
    run_id: str,
    upload_age_days: float | None = None,
    now: datetime | None = None,
    full: bool = False,
) -> PlanSummary:
    """Diff the run's snapshot against the roster into the plan tables, and the holds over it, replacing
    any earlier plan, in one transaction (a plan never exists without its holds).

    The memberships (most of a district's rows) and the accounts are planned incrementally when they can
    be: on the last applied run, for the pairs and people whose inputs changed since
    (plan/prepare_increment), with the same result as the full diff. `full` (or FULL_PLAN_ENV) forces the
    full diff. `upload_age_days`: how old the upload is; past STALE_AFTER_DAYS the plan makes no removals.
    `now`: the clock the district's blackout windows are read on (default: now)."""
    suppress = upload_age_days is not None and upload_age_days > STALE_AFTER_DAYS
    if not store.query(conn, "normalize/select_snapshot_exists", {"run_id": run_id}):
        raise SnapshotGone(
            f"run {run_id} has no snapshot: a later run was applied since (an apply keeps only its own "
            "run's), or normalize has not run for it. Nothing was planned: planned from nothing, every "
            "record would be removed."
        )
    # The roster version first: a roster change after it voids the plan at apply (R021). What the run
    # wants is prepared outside the plan's transaction (DuckDB scans tables made inside one on one thread);
    # the plan and its holds are then written in one transaction.
    version = store.roster_version(conn)
    try:
        store.execute(conn, "plan/create_cfg_schools")
        if config.schools:
            conn.executemany(
                store.sql("plan/insert_cfg_school"),
                [(sid, school.roster_id, school.selected) for sid, school in config.schools.items()],
            )
        store.execute(
            conn,
            "plan/prepare_plan",
            {"run_id": run_id, "mapping_required": bool(config.schools)},
        )
        full = full or suppress or os.environ.get(FULL_PLAN_ENV, "").strip() == "1"
        base = None if full else increment_base(conn, config, run_id)
        if base:
            store.execute(conn, "plan/prepare_increment", {"run_id": run_id, "base_run": base})
        scope = INCREMENT_SCOPE if base else WHOLE_SCOPE
        store.query_text(
            conn,
            store.sql_with("plan/prepare_wanted_people", **scope),
            {
                "run_id": run_id,
                "teachers": config.accounts.teachers,
                "students": config.accounts.students,
                "parents": config.accounts.parents,
            },
        )
        with store.transaction(conn):
            store.execute(conn, "plan/delete_run_plan", {"run_id": run_id})
            store.query_text(
                conn,
                store.sql_with("plan/insert_plan", **scope),
                {
                    "run_id": run_id,
                    "roster_version": version,
                    "suppress_removals": suppress,
                    "upload_age_days": upload_age_days,
                    "plan_id": uuid.uuid4().hex,
                    "settings": json.dumps(config.settings()),
                    "base_run": base or "",
                },
            )
            parts = membership_passes(conn, run_id, scope)
            class_part = "class_in_part" if parts > 1 else "every_class"
            for part in range(parts):
                store.query_text(
                    conn,
                    store.sql_with("plan/insert_plan_memberships", **scope, class_part=class_part),
                    {"run_id": run_id, "suppress_removals": suppress, "part": part, "parts": parts},
                )
            insert_holds(conn, config, run_id, now)
    finally:
        store.execute(conn, "plan/drop_prepared")
    return plan_summary(conn, run_id)


WHOLE_SCOPE: dict[str, str] = {
    "enrollments": store.Fragment("current_memberships($run_id)"),  # prepare_plan's table macro
    "in_scope": "in_whole_plan",
    "roster_memberships": "memberships",
    "people_in_scope": "every_person",
}
INCREMENT_SCOPE = {
    "enrollments": "scoped_memberships",
    "in_scope": "in_increment",
    "roster_memberships": "scoped_roster_memberships",
    "people_in_scope": "in_people_increment",
}
"""The names the plan's SQL is filled with: every pair and person, or prepare_increment's scope."""


PLAN_ROWS_PER_GIB = 4_000_000
"""How many rows (the run's enrollments plus the roster's memberships) one pass of the membership diff
may read per GiB of DuckDB's memory bound. At 1M students a full plan over a filled roster reads 20.8M
rows: in one pass it ran out of a 2 GB bound (3 times in 4), in two passes it took 8.7 s. 4M a GiB gives
three passes there, and one for a first sync's 6.2M (8.8 s; it peaked at 2.5 GiB of RSS)."""


def membership_passes(conn: duckdb.DuckDBPyConnection, run_id: str, scope: dict[str, str]) -> int:
    """How many passes the membership diff takes, each over the classes of one hash partition (a class's
    pairs, direct and parent, are all in one pass: nothing crosses a partition)."""
    (rows,) = store.query_text(conn, store.sql_with("plan/select_membership_rows", **scope), {"run_id": run_id})[0]
    per_pass = max(1, int(PLAN_ROWS_PER_GIB * store.memory_limit_bytes() / 2**30))
    return max(1, -(-int(rows) // per_pass))


def roster_fingerprint(conn: duckdb.DuckDBPyConnection) -> str:
    """What an incremental plan takes from the roster as the base's apply left it, as one value
    (roster/select_roster_fingerprint)."""
    return str(store.query(conn, "roster/select_roster_fingerprint")[0][0])


PLAN_SQL = (
    "plan/prepare_plan",
    "plan/prepare_increment",
    "plan/prepare_wanted_people",
    "plan/insert_plan",
    "plan/insert_plan_memberships",
)


def plan_logic() -> str:
    """The plan's SQL as one value: a plan is incremental only on a base planned by the same SQL (a new
    release plans in full once)."""
    return hashlib.sha256("\n".join(store.sql(name) for name in PLAN_SQL).encode()).hexdigest()[:16]


def increment_base(conn: duckdb.DuckDBPyConnection, config: DistrictConfig, run_id: str) -> str | None:
    """The run this run's memberships may be planned on incrementally (plan/select_increment_base), or None:
    a first sync, the last applied run's snapshot gone (a rollback), its snapshot, record issues or plan
    made again since its apply, another school map, other settings or another release's plan SQL, a stale
    base, or a roster changed since that run's apply (by a rollback, a rejected run's partial apply, or
    anything else)."""
    rows = store.query(
        conn,
        "plan/select_increment_base",
        {"run_id": run_id, "fingerprint": roster_fingerprint(conn), "plan_logic": plan_logic()},
    )
    if not rows:
        return None
    base, settings = rows[0]
    return str(base) if settings is not None and json.loads(settings) == config.settings() else None


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
    version, is_initial, suppressed, age, plan_id, data_date, computed_at, base_run = rows[0]
    found = tuple(plan_holds(conn, run_id))
    return PlanSummary(
        run_id, version, is_initial, changes, bool(suppressed), age, plan_id, data_date, found, computed_at, base_run
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
