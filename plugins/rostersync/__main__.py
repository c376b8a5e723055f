"""The rostersync command line.

`check`: a dry run of every gate up to the diff, writing to no roster, for implementation teams
previewing a district and data engineers debugging one. It calls the same functions as the DAG's
tasks, on an in-memory copy of the roster.
`rollback`: restore a district's roster to what it was before its last applied run.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

import duckdb

from rostersync import apply, pipeline, plan, runs, snapshot, store
from rostersync.config import ConfigError, DistrictConfig, load_district
from rostersync.errors import RosterSyncError
from rostersync.format_check import FormatCheckFailed, FormatReport, manifest_modes
from rostersync.formats import Format, all_formats, get_format
from rostersync.quality import ExpectationsFailed

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
    get_format(fmt_name)
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
                _copy_roster(conn, roster)
            try:
                planned = pipeline.plan_upload(
                    conn, config, folder, PREVIEW_RUN, work=Path(tmp) / "package", data_date=day, preview=True
                )
            except FormatCheckFailed as failed:
                return out | _format_errors(failed.report)
            except pipeline.NothingToSync as nothing:
                return out | {"format_errors": [], "format_error_count": 0, "no_change": str(nothing)}
            per_school = plan.school_changes(conn, PREVIEW_RUN)
            delta = _delta_preview(conn, get_format(fmt_name), Path(planned.report.folder))
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


def _delta_preview(conn, fmt: Format, folder: Path) -> dict | None:
    """For a package with delta files: each file's mode, and its tobedeleted rows that name nothing the
    roster (or its last applied snapshot) has: those remove nothing."""
    modes = manifest_modes(folder) if fmt.manifest_version else {}
    if "delta" not in modes.values():
        return None
    based = bool(runs.last_applied_upload(conn))
    not_present: dict[str, int] = {}
    for stem, mode in sorted(modes.items()):
        path = folder / f"{stem}.csv"
        if mode != "delta" or not path.exists():
            continue
        with path.open(newline="", encoding="utf-8-sig") as handle:
            gone = [
                (row.get("sourcedId") or "").strip()
                for row in csv.DictReader(handle)
                if (row.get("status") or "").strip().lower() in ("tobedeleted", "inactive")
            ]
        known = snapshot.known_ids(conn, stem) if based else set()
        not_present[f"{stem}.csv"] = sum(1 for sid in gone if sid not in known)
    return {
        "files": {f"{stem}.csv": mode for stem, mode in sorted(modes.items())},
        "would_remove_not_present": not_present,
        "note": (
            "previewed against the district's last applied snapshot"
            if based
            else "previewed against an empty roster: a real sync needs a bulk package first (every file.* = bulk)"
        ),
    }


def _format_errors(report: FormatReport) -> dict:
    return {
        "format_errors": [e.as_dict() for e in report.errors],
        "format_error_count": report.error_count,
        "format_alerts": [a.as_dict() for a in report.alerts],
    }


def _copy_roster(conn, roster: Path) -> None:
    """The district's roster, read-only, into the in-memory preview store."""
    try:
        conn.execute("ATTACH ? AS live (READ_ONLY)", [str(roster)])
    except duckdb.IOException as busy:
        raise store.RosterBusy(
            f"{roster} is in use by another process (a sync task of this district, notify_accounts or a "
            "rollback); nothing was previewed. Try again when it is done."
        ) from busy
    try:
        for table in ROSTER_TABLES:
            conn.execute(store.sql_with("check/copy_live_table", table=table))
    finally:
        conn.execute("DETACH live")


def _print_text(result: dict) -> None:
    print(f"district {result['district']}, format {result['format']}, data date {result['data_date']}")
    if result.get("no_change"):
        print(result["no_change"])
        return
    if result["format_error_count"]:
        print(f"{result['format_error_count']} format error(s); nothing else was checked:")
        for e in result["format_errors"]:
            where = e["file"] + (f" line {e['line']}" if e["line"] else "")
            value = f" [value: {e['value']!r}]" if e.get("value") is not None else ""
            print(f"  [{e['code']}] {where}: {e['message']}{value} ({e['hint']})")
        return
    for a in result.get("format_alerts", []):
        print(f"alert [{a['code']}] {a['file']}: {a['message']}")
    if result.get("delta"):
        delta = result["delta"]
        print("delta package: " + ", ".join(f"{f} {m}" for f, m in delta["files"].items()))
        for file, n in delta["would_remove_not_present"].items():
            if n:
                print(f"  {file}: {n} tobedeleted row(s) would remove nothing (not present)")
        print(f"  {delta['note']}")
    print("snapshot: " + ", ".join(f"{k} {v}" for k, v in result["snapshot"].items()))
    for school, entities in result["schools"].items():
        print(f"school {school}:")
        for entity, c in entities.items():
            print(f"  {entity:<12} create {c['create']:>7}  update {c['update']:>7}  remove {c['remove']:>7}")
    for h in result["holds"]:
        print(f"hold: school {h['school']}: {h['reason']} ({h['detail']})")
    print(f"errors (records skipped): {result['errors'] or 'none'}")
    print(f"alerts: {result['alerts'] or 'none'}")


def _rollback(district_id: str, run_id: str) -> int:
    if not store.roster_path(district_id).exists():
        print(f"error: no roster for district {district_id!r} at {store.roster_path(district_id)}", file=sys.stderr)
        return 2
    with store.connect(district_id) as conn:
        rollback_id = apply.rollback_run(conn, run_id)
    print(f"rolled back {run_id} of {district_id}; logged as {rollback_id}")
    return 0


USAGE_ERRORS = (ConfigError, ValueError, FileNotFoundError, store.RosterBusy, apply.RollbackRefused, LookupError)
"""Refusals caused by how the command was called, its config or a busy store: exit status 2."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rostersync", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="preview what a sync of a package would do")
    check.add_argument("--format", required=True, choices=sorted(all_formats()))
    check.add_argument("--from", dest="source", type=Path, required=True, help="a folder or a .zip")
    check.add_argument("--district", type=Path, help="district YAML: preview against its roster")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument(
        "--data-date",
        type=date.fromisoformat,
        help="the day the data stands for, YYYY-MM-DD (default today): enrollments and terms current on it",
    )
    undo = commands.add_parser("rollback", help="restore the roster as it was before a district's last run")
    undo.add_argument("--district", required=True, help="district id, e.g. riverside")
    undo.add_argument("--run", required=True, help="the run id to undo (it must be the last applied run)")
    args = parser.parse_args(argv)
    try:
        if args.command == "rollback":
            return _rollback(args.district, args.run)
        config = load_district(args.district) if args.district else None
        result = preview(args.format, args.source, config, args.data_date)
    except USAGE_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (RosterSyncError, ExpectationsFailed) as exc:  # what the data caused
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=1, default=str))
    else:
        _print_text(result)
    return 1 if result["format_error_count"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
