"""Normalize: a landed, format-checked upload into the canonical snapshot tables, keyed by run.

The format's own SQL (include/sql/normalize/<format>/) maps its files; this module only loads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from rostersync import store
from rostersync.format_check import read_header, source_folder
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
        store.execute(conn, f"{fmt.normalize_sql}/insert_snapshot", {"run_id": run_id})
        for spec in fmt.files:
            conn.execute(f"DROP TABLE IF EXISTS src_{Path(spec.name).stem}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return snapshot_counts(conn, run_id)


def snapshot_counts(conn: duckdb.DuckDBPyConnection, run_id: str) -> SnapshotCounts:
    row = store.query(conn, "normalize/select_snapshot_counts", {"run_id": run_id})[0]
    return SnapshotCounts(*row)
