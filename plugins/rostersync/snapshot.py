"""Normalize: a landed, format-checked upload into the canonical snapshot tables, keyed by run.

The format's own SQL (include/sql/normalize/<format>/) maps its files; this module only loads them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from rostersync import csvfile, store
from rostersync.clever import read_pages
from rostersync.errors import RosterSyncError, from_duckdb
from rostersync.format_check import carried_over, manifest_modes, source_folder
from rostersync.formats import Format


class ReadMismatch(RosterSyncError):
    """Normalize read a different number of rows than the format check counted: the run stops."""

    code = "R011"


@dataclass(frozen=True)
class SnapshotCounts:
    schools: int
    students: int
    teachers: int
    guardians: int
    classes: int
    memberships: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def normalize(
    conn: duckdb.DuckDBPyConnection,
    fmt: Format,
    folder: Path,
    run_id: str,
    checked_rows: dict[str, int] | None = None,
    data_date: date | None = None,
    preview: bool = False,
) -> SnapshotCounts:
    """Replace the run's snapshot with the files in `folder` (or its unpacked package), in one transaction.

    `checked_rows`: each file's rows as the format check counted them; a file read with another count
    stops the run (the check and this read must see the same file the same way). `data_date`: the day
    the data stands for (default today): enrollments and terms are current on it or not. `preview`: a
    delta package with no applied snapshot under it is read alone (what `check` shows), not refused."""
    folder = source_folder(folder)
    views = read_once(fmt)
    try:
        # A file the format's SQL reads more than once is copied into a temp table before the snapshot's
        # transaction (DuckDB scans a table made inside a transaction on one thread); a file read once is
        # a temp view, parsed by the statement that reads it. Nothing persistent is written here.
        _load_sources(conn, fmt, folder, checked_rows, views)
        with store.transaction(conn):
            store.execute(conn, "normalize/delete_run_snapshot", {"run_id": run_id})
            store.execute(conn, "normalize/insert_snap_run", {"run_id": run_id, "data_date": data_date or date.today()})
            params = {"run_id": run_id, **_delta_params(conn, fmt, folder, preview)}
            for name in fmt.normalize_sql:
                store.execute(conn, name, params)
    except duckdb.Error as error:
        raise from_duckdb(error, "normalize") from None
    finally:
        for table in source_tables(fmt):
            csvfile.drop(conn, table, view=table in views)
    return snapshot_counts(conn, run_id)


def source_tables(fmt: Format) -> list[str]:
    """The temp tables a format's normalize SQL reads: `src_<file stem>` or `src_<API object>`."""
    return ["src_" + Path(spec.name).stem for spec in fmt.files] + [f"src_{obj}" for obj in fmt.json_objects]


def read_once(fmt: Format) -> set[str]:
    """The source tables of CSV files the format's normalize SQL names once: made as views, so the one
    statement that reads each parses the file, with no copy of its rows (1M students, Remind CSV 2.0:
    about 0.5 s less per big file). A file named more than once is read into a table, parsed once."""
    text = "\n".join(" ".join(store.split_statements(store.sql(name))) for name in fmt.normalize_sql)
    tables = ["src_" + Path(spec.name).stem for spec in fmt.files]
    return {t for t in tables if len(re.findall(rf"\b{t}\b", text)) == 1}


def _load_sources(
    conn: duckdb.DuckDBPyConnection, fmt: Format, folder: Path, checked_rows: dict[str, int] | None, views: set[str]
) -> None:
    for obj in fmt.json_objects:
        pages = [str(p) for p in read_pages(folder, obj)]
        if pages:
            conn.execute(store.sql_with(fmt.load_pages_sql, table=f"src_{obj}"), {"files": pages})
        else:
            conn.execute(store.sql_with("normalize/create_empty_pages", table=f"src_{obj}"))
    for spec in fmt.files:
        table = "src_" + Path(spec.name).stem
        path = folder / spec.name
        header = csvfile.read_header(path) if path.exists() else None
        if header is None:  # an optional file not sent (the format check refused any other case)
            csvfile.empty_table(conn, table, spec, view=table in views)
            continue
        match = csvfile.match_header(spec, header)
        rows = csvfile.read_into(conn, table, spec, path, match, view=table in views)
        expected = (checked_rows or {}).get(spec.name)
        if expected is not None and rows != expected:
            raise ReadMismatch(message=f"{spec.name}: the format check counted {expected} rows, normalize read {rows}")


class DeltaWithoutBase(RosterSyncError):
    """A delta package names only what changed: it needs an applied full snapshot to apply to."""

    code = "R012"


def _delta_params(conn: duckdb.DuckDBPyConnection, fmt: Format, folder: Path, preview: bool) -> dict[str, object]:
    """$prev_run and one $delta_<file> flag per file: a delta file's unnamed records carry over from the
    last applied run's snapshot."""
    modes = manifest_modes(folder) if fmt.manifest_version else {}
    flags = {
        f"delta_{Path(spec.name).stem.lower()}": modes.get(Path(spec.name).stem) == "delta"
        or carried_over(modes, spec.name)
        for spec in fmt.files
    }
    last = store.query(conn, "runs/select_last_applied_upload")
    based = bool(last) and bool(store.query(conn, "normalize/select_snapshot_exists", {"run_id": last[0][0]}))
    if any(flags.values()) and not based and not preview:
        raise DeltaWithoutBase(
            "this package has delta files, but the district has no applied snapshot to apply them to (no sync "
            "yet, or the last one was rolled back): send a bulk package first (every file.* = bulk in manifest.csv)",
        )
    return {"prev_run": last[0][0] if last and based else "", **flags}


def snapshot_counts(conn: duckdb.DuckDBPyConnection, run_id: str) -> SnapshotCounts:
    row = store.query(conn, "normalize/select_snapshot_counts", {"run_id": run_id})[0]
    return SnapshotCounts(*row)


KNOWN_IDS = {"users": "person", "orgs": "school", "classes": "class", "enrollments": "membership"}
"""A OneRoster file's stem -> what its sourcedIds name in the roster."""


def known_ids(conn: duckdb.DuckDBPyConnection, stem: str) -> set[str]:
    """The source ids the district's last applied snapshot has for one OneRoster file (enrollments have
    no id of their own in the snapshot: none is known)."""
    last = store.query(conn, "runs/select_last_applied_upload")
    kind = KNOWN_IDS.get(stem)
    if not last or kind is None:
        return set()
    rows = store.query(conn, "normalize/select_known_ids", {"run_id": last[0][0], "kind": kind})
    return {sid for (sid,) in rows}


def delta_preview(conn: duckdb.DuckDBPyConnection, fmt: Format, folder: Path) -> dict | None:
    """For a package with delta files: each file's mode, and its tobedeleted rows that name nothing the
    roster (or its last applied snapshot) has: those remove nothing."""
    modes = manifest_modes(folder) if fmt.manifest_version else {}
    if "delta" not in modes.values():
        return None
    based = bool(store.query(conn, "runs/select_last_applied_upload"))
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
        known = known_ids(conn, stem) if based else set()
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
