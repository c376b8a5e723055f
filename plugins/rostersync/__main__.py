"""The rostersync command line.

`check`: a dry run of every gate up to the diff, writing to no roster, for implementation teams
previewing a district and data engineers debugging one. It calls the same functions as the DAG's
tasks, on an in-memory copy of the roster.
`rollback`: restore a district's roster to what it was before its last applied run.
`district new`: scaffold a district's YAML (validated as the DAG file will read it).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from rostersync import apply, onboarding, store
from rostersync.config import ConfigError, load_district
from rostersync.errors import RosterSyncError
from rostersync.preview import preview


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


USAGE_ERRORS = (
    ConfigError,
    ValueError,
    FileNotFoundError,
    FileExistsError,
    store.RosterBusy,
    apply.RollbackRefused,
    LookupError,
)
"""Refusals caused by how the command was called, its config or a busy store: exit status 2."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rostersync", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="preview what a sync of a package would do")
    check.add_argument("--format", required=True, choices=onboarding.FORMATS)
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
    district = commands.add_parser("district", help="manage district configs")
    district_commands = district.add_subparsers(dest="district_command", required=True)
    new = district_commands.add_parser("new", help="scaffold config/districts/<id>.yaml for a new district")
    new.add_argument("district_id", help="lowercase letters, digits and _ (e.g. maple_grove)")
    new.add_argument("--name", required=True, help="the district's name as admins know it")
    new.add_argument("--source", required=True, choices=onboarding.FORMATS, help="a CSV format, or clever")
    new.add_argument("--admin-email", dest="admin_emails", action="append", required=True, help="repeatable")
    args = parser.parse_args(argv)
    try:
        if args.command == "rollback":
            return _rollback(args.district, args.run)
        if args.command == "district":
            scaffolded = onboarding.new_district(args.district_id, args.name, args.source, args.admin_emails)
            print(f"wrote {store.config_dir() / args.district_id}.yaml: DAG {scaffolded.dag_id}, source {args.source}")
            print(
                "Airflow shows the DAG within a minute, paused: unpause it to start its nightly runs. Under "
                "`make run` the local SFTP login, folder and connection are ready within seconds; elsewhere, "
                f"create the Airflow connection {scaffolded.source.conn_id!r} first."
            )
            return 0
        config = load_district(args.district) if args.district else None
        result = preview(args.format, args.source, config, args.data_date)
    except USAGE_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RosterSyncError as exc:  # what the data caused
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=1, default=str))
    else:
        _print_text(result)
    return 1 if result["format_error_count"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
