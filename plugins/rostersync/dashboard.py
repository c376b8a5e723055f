"""What the Rosters pages show of a district, read from its store: the roster's size, the last upload and
its age, the schools of the last run with their state, the run history, and a school's accounts still
to welcome. Counts and ids only, except where a page lists people (the issue CSVs, served as files)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from rostersync import plan, reports, runs, store, welcome
from rostersync.config import DistrictConfig

ROLLED_BACK = "rolled_back"
"""sync_runs.status of a run the rollback command undid (apply/rollback_run.sql)."""


@dataclass
class Upload:
    """The upload of the district's last planned run."""

    run_id: str
    received_at: datetime
    """When the files were written (SFTP) or pulled (Clever), UTC."""
    age_days: float

    @property
    def warning(self) -> str | None:
        """The 80- and 90-day warnings: past 90 days removals are no longer applied."""
        if self.age_days > plan.STALE_AFTER_DAYS:
            return f"older than {plan.STALE_AFTER_DAYS} days: removals are not applied until a current upload"
        if self.age_days > plan.WARN_AFTER_DAYS:
            return f"older than {plan.WARN_AFTER_DAYS} days: removals stop at {plan.STALE_AFTER_DAYS}"
        return None


@dataclass
class RunRow:
    run_id: str
    status: str
    gate_answer: str | None
    approved_by: str | None
    approved_at: datetime | None
    applied_at: datetime | None
    counts: dict[str, Any]
    computed_at: datetime | None
    data_date: Any
    upload_age_days: float | None

    @property
    def key(self) -> str:
        """The run's folder under the district's reports (its pages' address)."""
        return store.run_key(self.run_id)


@dataclass
class District:
    config: DistrictConfig
    accounts: int = 0
    classes: int = 0
    memberships: int = 0
    schools_on_hold: int = 0
    runs: list[RunRow] = field(default_factory=list)
    upload: Upload | None = None
    stored: bool = True
    """Whether this server has the district's store (with the stores on each queue's worker host, the
    API server may not): without it, every count reads as zero and the pages say why."""

    @property
    def last_run(self) -> RunRow | None:
        return self.runs[0] if self.runs else None


def district(conn: duckdb.DuckDBPyConnection, config: DistrictConfig, history: int = 30) -> District:
    """The district's roster counts and its last `history` runs, newest first."""
    accounts, classes, memberships, on_hold = store.query(conn, "dashboard/select_roster_counts")[0]
    runs = store.query_rows(conn, "dashboard/select_run_history", RunRow, {"limit": history})
    for run in runs:
        stored: Any = run.counts  # the JSON column's text
        run.counts = json.loads(stored) if stored else {}
    found = District(config, accounts, classes, memberships, on_hold, runs)
    planned = last_planned_run(runs)
    if planned is not None and planned.computed_at is not None:
        computed_at = planned.computed_at.replace(tzinfo=UTC)
        received = computed_at - timedelta(days=planned.upload_age_days or 0)
        age = (datetime.now(UTC) - received).total_seconds() / 86400
        found.upload = Upload(planned.run_id, received, age)
    return found


def last_planned_run(runs: list[RunRow]) -> RunRow | None:
    return next((r for r in runs if r.computed_at is not None), None)


def run_pages(conn: duckdb.DuckDBPyConnection, config: DistrictConfig, run_id: str) -> reports.SummaryPages:
    """The run's summary page and its schools' pages, as the run stands now in the store."""
    synced = runs.load_sync_run(conn, run_id)
    applied = synced is not None and synced.applied_at is not None
    rolled_back = synced is not None and synced.status == ROLLED_BACK
    if applied and synced is not None:
        counts = synced.counts
        title = "Changes applied, then rolled back" if rolled_back else "Changes applied"
    else:
        counts, title = plan.plan_summary(conn, run_id).changes, "Changes planned"
    return reports.summary_pages(
        conn,
        run_id,
        store.reports_dir(config.district_id, run_id),
        district=config.name,
        district_id=config.district_id,
        controls=config.controls(),
        status=synced.status if synced else "planned",
        counts=counts,
        counts_title=title,
        approved_by=synced.approved_by if synced else None,
        applied=applied,
        rolled_back=rolled_back,
    )


def school_activity(conn: duckdb.DuckDBPyConnection) -> dict[str, tuple[datetime | None, str | None]]:
    """Roster school id -> (in its state since, the last applied run that changed it)."""
    return {school: (since, run) for school, since, run in store.query(conn, "dashboard/select_school_activity")}


@dataclass
class ToWelcome:
    role: str
    """The notify_accounts role name (teachers, parents, students)."""
    accounts: int
    without_email: int


def to_welcome(conn: duckdb.DuckDBPyConnection, school_id: str) -> list[ToWelcome]:
    """The school's new accounts not welcomed yet, per role that notify_accounts welcomes."""
    names = {roster: name for name, roster in welcome.ROLES.items()}
    params = {"school_id": school_id, "kind": welcome.KIND, "roles": list(names)}
    found = {
        names[role]: ToWelcome(names[role], accounts, without_email)
        for role, accounts, without_email in store.query(conn, "dashboard/select_unwelcomed_counts", params)
    }
    return [found[name] for name in welcome.ROLES if name in found]


def welcomes_sent(conn: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Roster role -> welcome emails one notify_accounts run sent."""
    return dict(store.query(conn, "dashboard/select_welcomes_sent", {"run_id": run_id, "kind": welcome.KIND}))
