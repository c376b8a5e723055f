"""Reports a district admin downloads: format errors, record issues, and the destructive changes of a plan.

Reports may hold personal data (they are for the district); logs never do. Every CSV cell that a
spreadsheet would run as a formula (=, +, -, @, tab, carriage return) is prefixed with a quote.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

from rostersync import store
from rostersync.format_check import FormatReport

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        out.writerows([safe_cell(v) for v in row] for row in rows)
    return path


def write_html(path: Path, template: str, **context: object) -> Path:
    """A report page from include/templates (HTML-escaped)."""
    from rostersync.notify import render_page

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_page(template, **context), encoding="utf-8")
    return path


def write_format_errors(report: FormatReport, folder: Path) -> Path:
    return write_csv(
        folder / "format_errors.csv",
        ["code", "file", "line", "column", "problem", "message", "how_to_fix"],
        (
            [e.code, e.file, e.line, e.column, d["problem"], e.message, e.hint]
            for e in report.errors
            for d in [e.as_dict()]
        ),
    )


def write_destructive_changes(conn: duckdb.DuckDBPyConnection, run_id: str, folder: Path) -> Path:
    """Every removal the plan would make, for the admin to confirm or fix at the source."""
    cursor = conn.execute(store.sql("reports/select_destructive_changes"), {"run_id": run_id})
    header = [d[0] for d in cursor.description]

    def rows() -> Iterable[tuple]:
        while batch := cursor.fetchmany(10_000):
            yield from batch

    return write_csv(folder / "destructive_changes.csv", header, rows())


def write_record_issues(conn: duckdb.DuckDBPyConnection, run_id: str, folder: Path) -> list[Path]:
    """One CSV per error or alert code, listing the records it affects."""
    written = []
    codes = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT code FROM record_issues WHERE run_id = ? ORDER BY 1", [run_id]
        ).fetchall()
    ]
    for code in codes:
        cursor = conn.execute(store.sql("reports/select_record_issues"), {"run_id": run_id, "code": code})
        header = [d[0] for d in cursor.description]
        written.append(write_csv(folder / f"issues_{code}.csv", header, cursor.fetchall()))
    return written
