"""The run context every step works over: one district's config, one Airflow run, and what they imply
(folders, the landing manifest, the data date, the upload's age, the store, the admins' emails),
each worked out once."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from rostersync import landing, notify, reports, runs, store
from rostersync.config import DistrictConfig

log = logging.getLogger(__name__)


@dataclass
class Run:
    config: DistrictConfig
    run_id: str
    logical_date: datetime | None = None
    """Airflow's logical date: set for a scheduled run or a backfill, None for a manual run."""
    smtp: notify.SmtpSettings | None = None
    """Where the admins' emails go; None: no email (a preview)."""
    lock_wait: float | None = None
    """How long to wait for the store while another process writes it (None: store's default)."""

    @property
    def district_id(self) -> str:
        return self.config.district_id

    @cached_property
    def landing(self) -> Path:
        return store.landing_dir(self.district_id, self.run_id)

    @cached_property
    def reports(self) -> Path:
        return store.reports_dir(self.district_id, self.run_id)

    @cached_property
    def manifest(self) -> dict:
        """What land_files recorded of the upload (`manifest.json`), or nothing before it landed."""
        path = self.landing / landing.MANIFEST
        return json.loads(path.read_text()) if path.exists() else {}

    @property
    def disconnected(self) -> bool:
        """Clever refused the district's token: nothing was pulled."""
        return bool(self.manifest.get("disconnected"))

    @property
    def upload_age_days(self) -> float | None:
        uploaded_at = self.manifest.get("uploaded_at")
        return (time.time() - uploaded_at) / 86400 if uploaded_at else None

    @cached_property
    def data_date(self) -> date:
        """The day the run's data stands for: its logical date (a scheduled run, a backfill), else the
        day the upload was written (a manual run of an older upload), else today; in the district's
        time zone."""
        zone = ZoneInfo(self.config.timezone)
        if self.logical_date is not None:
            return self.logical_date.astimezone(zone).date()
        uploaded_at = self.manifest.get("uploaded_at")
        if uploaded_at:
            return datetime.fromtimestamp(uploaded_at, zone).date()
        return datetime.now(zone).date()

    @contextmanager
    def store(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with store.connect(self.district_id, read_only=read_only, lock_wait=self.lock_wait) as conn:
            yield conn

    def report_links(self) -> dict[str, Any]:
        """Links to the run's reports that exist: summary page, destructive changes, issue CSVs."""

        def link(path: Path) -> str | None:
            return reports.link(path) if path.exists() else None

        return {
            "summary": link(self.reports / "summary.html"),
            "destructive": link(self.reports / "destructive_changes.csv"),
            "format_errors": link(self.reports / "format_errors.csv"),
            "issues": {
                p.stem.removeprefix("issues_"): reports.link(p) for p in sorted(self.reports.glob("issues_*.csv"))
            },
        }

    def write_summaries(self, conn: duckdb.DuckDBPyConnection, **page: Any) -> Path:
        """The run's report pages (summary.html and one per school), with what `page` says of the run."""
        return reports.write_summaries(
            conn,
            self.run_id,
            self.reports,
            district=self.config.name,
            district_id=self.district_id,
            controls=self.config.controls(),
            **page,
        )

    def email_admins(
        self, template: str, attachments: tuple[Path, ...] = (), purpose: str | None = None, **context: Any
    ) -> bool:
        """One email to the district's admins (see `email`)."""
        return self.email(self.config.admin_emails, template, attachments, purpose, **context)

    def email(
        self,
        to: list[str],
        template: str,
        attachments: tuple[Path, ...] = (),
        purpose: str | None = None,
        **context: Any,
    ) -> bool:
        """One email from include/templates; every template knows the district and the links to the run's
        reports. Sent once per run and purpose (default: the template): a cleared and rerun task, or a
        retry, does not send it again. Returns whether it was sent now."""
        if self.smtp is None or not to:
            return False
        purpose = purpose or template
        with self.store() as conn:
            state = runs.email_state(conn, self.run_id, purpose)
            if state is None:
                runs.record_email(conn, self.run_id, purpose, "sending")
        if state is not None:
            log.info("the %s email of this run was %s before: not sent again", purpose, state)
            return False
        email = notify.render(
            template,
            to,
            attachments,
            district=self.config.name,
            district_id=self.district_id,
            run_id=self.run_id,
            reports=self.report_links(),
            **context,
        )
        try:
            notify.send(self.smtp, email)
        except notify.SentButUnconfirmed as unconfirmed:
            log.warning("the %s email: %s; recorded as sent, never sent twice", purpose, unconfirmed)
        except BaseException:
            with self.store() as conn:  # refused before it was accepted: a retry sends it
                runs.record_email(conn, self.run_id, purpose, None)
            raise
        with self.store() as conn:
            runs.record_email(conn, self.run_id, purpose, "sent")
        return True
