"""`check`'s preview: every gate up to the plan over an upload, on an in-memory copy of the district's
roster (or an empty one), writing to no roster and nothing inside the upload's folder."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path

from rostersync import pipeline, plan, snapshot, store
from rostersync.config import DistrictConfig
from rostersync.format_check import FormatCheckFailed, FormatReport

ROSTER_TABLES = (
    "schools",
    "accounts",
    "classes",
    "memberships",
    "sync_runs",
    *("snap_schools", "snap_people", "snap_school_people", "snap_classes", "snap_memberships"),
    *("snap_guardianships", "snap_runs"),
)
"""What a preview copies of a district's store: the roster, its runs, and the last applied snapshot (a
delta package previews against it)."""
PREVIEW_RUN = "preview"


def _stage(source: Path, into: Path) -> Path:
    """The folder to check: `source` itself, or a scratch folder holding the zip (the check unpacks it)."""
    if source.is_dir():
        return source
    if source.suffix.lower() == ".zip" and source.is_file():
        shutil.copyfile(source, into / source.name)
        return into
    raise ValueError(f"{source}: not a folder or a .zip file")


def preview_config(fmt_name: str) -> DistrictConfig:
    """A district with every school selected and every role given accounts, for a preview without one."""
    return DistrictConfig.model_validate(
        {
            "district_id": "preview",
            "name": "Preview",
            "source": {"kind": "clever", "conn_id": "none"}
            if fmt_name == "clever"
            else {"kind": "sftp", "format": fmt_name, "conn_id": "none"},
            "admin_emails": ["preview@example.org"],
        }
    )


def preview(fmt_name: str, source: Path, config: DistrictConfig | None, data_date: date | None = None) -> dict:
    """Format check, normalize, expectations, plan and holds, as one JSON-able dict. Nothing is written
    inside `source` (a zip is unpacked in a scratch folder) nor to any roster. A delta package previews
    against the district's last applied snapshot, or alone (against an empty roster) without one."""
    if config is None:
        config = preview_config(fmt_name)
    elif config.source.format != fmt_name:
        raise ValueError(f"--format {fmt_name}, but {config.district_id} is set up for {config.source.format}")
    day = data_date or date.today()
    with tempfile.TemporaryDirectory() as tmp:
        folder = _stage(source, Path(tmp))
        out: dict = {"district": config.district_id, "format": fmt_name, "data_date": day.isoformat()}
        with store.scratch() as conn:
            roster = store.roster_path(config.district_id)
            if config.district_id != "preview" and roster.exists():
                _copy_roster(conn, config.district_id)
            try:
                planned = pipeline.plan_upload(
                    conn, config, folder, PREVIEW_RUN, work=Path(tmp) / "package", data_date=day, preview=True
                )
            except FormatCheckFailed as failed:
                return out | _format_errors(failed.report)
            except pipeline.NothingToSync as nothing:
                return out | {"format_errors": [], "format_error_count": 0, "no_change": str(nothing)}
            per_school = plan.school_changes(conn, PREVIEW_RUN)
            delta = snapshot.delta_preview(conn, config.fmt, Path(planned.report.folder))
    result = planned.quality
    return (
        out
        | _format_errors(planned.report)
        | ({"delta": delta} if delta else {})
        | {
            "snapshot": planned.counts.as_dict(),
            "changes": planned.summary.changes,
            "schools": per_school,
            "holds": [{"school": h.school, "reason": h.reason, "detail": h.detail} for h in planned.holds],
            "errors": result.errors,
            "alerts": result.alerts,
            "expectations": {t: s["failed"] for t, s in result.suites.items() if s["failed"]},
        }
    )


def _format_errors(report: FormatReport) -> dict:
    return {
        "format_errors": [e.as_dict() for e in report.errors],
        "format_error_count": report.error_count,
        "format_alerts": [a.as_dict() for a in report.alerts],
    }


def _copy_roster(conn, district_id: str) -> None:
    """The district's roster, read-only, into the in-memory preview store."""
    with store.live_roster(conn, district_id) as source:
        for table in ROSTER_TABLES:
            conn.execute(store.sql_with("check/copy_live_table", table=table, source=source(table)))
