"""Normalize: a landed, format-checked upload into the canonical snapshot tables, keyed by run.

The format's own SQL (include/sql/normalize/<format>/) maps its files; this module only loads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from rostersync import store
from rostersync.clever import read_pages
from rostersync.format_check import carried_over, manifest_modes, read_header, source_folder
from rostersync.formats import Format


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


def normalize(conn: duckdb.DuckDBPyConnection, fmt: Format, folder: Path, run_id: str) -> SnapshotCounts:
    """Replace the run's snapshot with the files in `folder` (or its unpacked package), in one transaction."""
    folder = source_folder(folder)
    conn.execute("BEGIN TRANSACTION")
    try:
        for obj in fmt.json_objects:
            pages = [str(p) for p in read_pages(folder, obj)]
            if pages:
                conn.execute(store.sql(fmt.load_pages_sql).format(table=f"src_{obj}"), {"files": pages})
            else:
                conn.execute(f"CREATE OR REPLACE TEMP TABLE src_{obj} AS SELECT NULL::JSON AS rec WHERE false")
        for spec in fmt.files:
            table = "src_" + Path(spec.name).stem
            path = folder / spec.name
            header = read_header(path) if path.exists() else None
            if header is not None:
                conn.execute(
                    store.sql("format_check/read_file").format(table=table),
                    {"path": str(path), "columns": dict.fromkeys(header, "VARCHAR")},
                )
            else:  # an optional file not sent: the same table, with no rows
                columns = ", ".join(f'NULL::VARCHAR AS "{c}"' for c in spec.columns)
                conn.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {columns} WHERE false")
        store.execute(conn, "normalize/delete_run_snapshot", {"run_id": run_id})
        params = {"run_id": run_id, **_delta_params(conn, fmt, folder)}
        for name in fmt.normalize_sql:
            store.execute(conn, name, params)
        for name in [Path(spec.name).stem for spec in fmt.files] + list(fmt.json_objects):
            conn.execute(f"DROP TABLE IF EXISTS src_{name}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return snapshot_counts(conn, run_id)


class DeltaWithoutBase(RuntimeError):
    """A delta package names only what changed: it needs an applied full snapshot to apply to."""


def _delta_params(conn: duckdb.DuckDBPyConnection, fmt: Format, folder: Path) -> dict[str, object]:
    """$prev_run and one $delta_<file> flag per file: a delta file's unnamed records carry over from the
    last applied run's snapshot."""
    modes = manifest_modes(folder) if fmt.manifest_version else {}
    flags = {
        f"delta_{Path(spec.name).stem.lower()}": modes.get(Path(spec.name).stem) == "delta"
        or carried_over(modes, spec.name)
        for spec in fmt.files
    }
    last = store.query(conn, "apply/select_last_applied_upload")
    based = bool(last) and bool(
        conn.execute("SELECT 1 FROM snap_people WHERE run_id = ? LIMIT 1", [last[0][0]]).fetchall()
    )
    if any(flags.values()) and not based:
        raise DeltaWithoutBase(
            "this package has delta files, but the district has no applied snapshot to apply them to (no sync "
            "yet, or the last one was rolled back): send a bulk package first (every file.* = bulk in manifest.csv)"
        )
    return {"prev_run": last[0][0] if last else "", **flags}


def snapshot_counts(conn: duckdb.DuckDBPyConnection, run_id: str) -> SnapshotCounts:
    row = store.query(conn, "normalize/select_snapshot_counts", {"run_id": run_id})[0]
    return SnapshotCounts(*row)
