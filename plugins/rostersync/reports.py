"""Reports a district admin downloads: format errors, record issues, and the destructive changes of a plan.

Reports may hold personal data (they are for the district); logs never do. Every CSV cell that a
spreadsheet would run as a formula (=, +, -, @, tab, carriage return) is prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb

from rostersync import errors, store
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
        ["code", "file", "line", "column", "problem", "message", "value", "how_to_fix"],
        (
            [e.code, e.file, e.line, e.column, e.entry.problem, e.message, e.value, e.hint]
            for e in [*report.errors, *report.alerts]
        ),
    )


FORMAT_REPORT = "format_check.json"


def write_format_report(report: FormatReport, folder: Path) -> Path:
    """The format check's outcome for the run: rows per file (normalize must read the same), alerts."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FORMAT_REPORT
    path.write_text(
        json.dumps(
            {
                "format": report.format,
                "ok": report.ok,
                "rows": report.rows,
                "error_count": report.error_count,
                "alerts": [a.as_dict() for a in report.alerts],
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    return path


def read_format_report(folder: Path) -> dict:
    path = folder / FORMAT_REPORT
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


@lru_cache(maxsize=16_384)
def school_folder(folder: Path, school_sid: str) -> Path:
    """The reports of one source school inside a run's reports folder: its own folder whatever the id.
    Worked out once per process (a run's reports name each of thousands of schools several times)."""
    return store.inside(folder / "schools", folder / "schools" / store.path_key(school_sid))


ROSTERS_PATH = "/rosters"
"""Where the Rosters pages are mounted in Airflow's API server (rostersync_ui.py)."""


def rosters_url() -> str | None:
    """The Rosters pages' address: `$ROSTERSYNC_ROSTERS_URL`, else Airflow's `[api] base_url` plus
    ROSTERS_PATH when this process runs under Airflow (its configuration is loaded), else None."""
    explicit = os.environ.get("ROSTERSYNC_ROSTERS_URL", "").strip()
    if explicit:
        return explicit.rstrip("/")
    airflow_configuration = sys.modules.get("airflow.configuration")
    base = airflow_configuration.conf.get("api", "base_url", fallback="") if airflow_configuration else ""
    return f"{base.rstrip('/')}{ROSTERS_PATH}" if base else None


def link(path: Path) -> str:
    """Where a person opens a report: its page in the Rosters app (which mirrors data/reports/:
    `<rosters>/<district>/<run>/summary.html`), else, outside Airflow, the file's own file:// URI."""
    base = rosters_url()
    if base:
        relative = path.resolve().relative_to((store.data_root() / "reports").resolve())
        return f"{base}/{quote(relative.as_posix(), safe='/:+')}"
    return path.resolve().as_uri()


def _write_grouped(
    conn: duckdb.DuckDBPyConnection,
    name: str,
    params: dict[str, object],
    group: Sequence[str],
    order: Sequence[str],
    paths: Callable[[Any], list[Path]],
    batch: int = 20_000,
) -> tuple[list[str], set[Path]]:
    """Stream the rows of report query `name` into CSVs: the columns `group` say which group a row is
    in, `paths(its values, a tuple)` the files the group's rows go to. The rows come sorted by the
    values of the columns `order` (ascending, NULL last), which must keep each file's rows together: one
    pass, one open file per position in `paths`. Each row's CSV line is built in SQL
    (reports/select_csv_lines: formula cells neutralised as `safe_cell` does, quoted as csv.writer
    quotes); here lines are only written. Returns the query's header and the files written."""
    query = store.Fragment(store.split_statements(store.sql(name))[0])
    described = conn.execute(store.sql_with("reports/describe_query", query=query), store.bind(query, params))
    header = [d[0] for d in described.description]
    store.execute(conn, "reports/create_csv_macros")
    keys = [store.identifier(f"__group_{i}") for i in range(len(group))]
    sort = [store.identifier(f"__order_{i}") for i in range(len(order))]
    cursor = conn.execute(
        store.sql_with(
            "reports/select_csv_lines",
            query=query,
            group=store.Fragment(", ".join(keys)),
            hidden=store.Fragment(", ".join([*keys, *sort])),
            order=store.Fragment(", ".join(f"{k} NULLS LAST" for k in sort)),
            keys=store.Fragment(
                ", ".join(
                    f"report.{store.identifier(c)} AS {k}"
                    for c, k in [*zip(group, keys, strict=True), *zip(order, sort, strict=True)]
                )
            ),
        ),
        store.bind(query, params),
    )
    head = csv_line(header)
    open_files: dict[int, tuple[Path, Any]] = {}  # position -> (path, handle)
    written: set[Path] = set()
    try:
        while rows := cursor.fetchmany(batch):
            for key, lines in groupby(rows, key=lambda row: row[:-1]):
                text = "".join(row[-1] for row in lines)
                for slot, path in enumerate(paths(key)):
                    opened = open_files.get(slot)
                    if opened is None or opened[0] != path:
                        if opened is not None:
                            opened[1].close()
                        if path in written:
                            raise ValueError(f"rows for {path} are not together: check the query's ORDER BY")
                        path.parent.mkdir(parents=True, exist_ok=True)
                        opened = open_files[slot] = (path, path.open("w", newline="", encoding="utf-8"))
                        opened[1].write(head)
                        written.add(path)
                    opened[1].write(text)
    finally:
        for _path, handle in open_files.values():
            handle.close()
    return header, written


def csv_line(cells: Sequence[object]) -> str:
    """One CSV line as write_csv writes it (the reference the SQL-built lines are tested against)."""
    out = io.StringIO()
    csv.writer(out).writerow([safe_cell(v) for v in cells])
    return out.getvalue()


def write_destructive_changes(conn: duckdb.DuckDBPyConnection, run_id: str, folder: Path) -> Path:
    """Every removal the plan would make, for the admin to confirm or fix at the source, and each
    school's own list in its folder."""
    path = folder / "destructive_changes.csv"
    for stale in folder.glob("schools/*/destructive_changes.csv"):
        stale.unlink()
    sids = {school_id: sid for sid, school_id, *_ in run_schools(conn, run_id)}
    header, written = _write_grouped(
        conn,
        "reports/select_destructive_changes",
        {"run_id": run_id},
        ["school_id"],
        ["school_id", "entity", "source_id"],
        lambda key: [path, school_folder(folder, sids.get(key[0], key[0])) / path.name],
    )
    if path not in written:  # no removals: the file says so with its header
        write_csv(path, header, [])
    return path


def write_record_issues(conn: duckdb.DuckDBPyConnection, run_id: str, folder: Path) -> dict[str, Path]:
    """One CSV per error or alert code listing the records it affects (`issues_<code>.csv`), and the
    same per school (`schools/<school>/issues_<code>.csv`). Returns code -> the run's CSV."""
    for stale in [*folder.glob("issues_*.csv"), *folder.glob("schools/*/issues_*.csv")]:
        stale.unlink()

    def paths(key: tuple[str, str | None]) -> list[Path]:
        code_of_group, school_of_group = key
        name = f"issues_{code_of_group}.csv"
        if school_of_group is None:
            return [folder / name]
        return [folder / name, school_folder(folder, school_of_group) / name]

    _header, written = _write_grouped(
        conn,
        "reports/select_record_issues",
        {"run_id": run_id},
        ["code", "school_sid"],
        ["code", "school_sid", "source_id"],
        paths,
    )
    return {path.stem.removeprefix("issues_"): path for path in sorted(written) if path.parent == folder}


def run_schools(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple]:
    """(source id, roster id, selected, mapped, name) of each school of the run."""
    return store.query(conn, "reports/select_run_schools", {"run_id": run_id})


def school_pages(conn: duckdb.DuckDBPyConnection, run_id: str, folder: Path) -> dict[str, str]:
    """Roster school id -> the link to its summary page, for the schools of the run that have one."""
    pages = {}
    for school_sid, school_id, *_ in run_schools(conn, run_id):
        page = school_folder(folder, school_sid) / "summary.html"
        if page.exists():
            pages[school_id] = link(page)
    return pages


def _decision(released: bool, reason: str | None, by: str | None, at: Any) -> str:
    """The gate's answer for one held school, in words."""
    if by is None and not released:
        said = "kept on hold: nobody answered the gate in time"
    else:
        said = ("released" if released else "kept on hold") + (f" by {by}" if by else "")
    when = f" at {at:%Y-%m-%d %H:%M} UTC" if at else ""
    return said + when + (f" (reason: {reason})" if reason else "")


def summary_pages(conn: duckdb.DuckDBPyConnection, run_id: str, folder: Path, **page: Any) -> SummaryPages:
    """What the run's summary page and each source school's page show: state and holds, changes per
    entity and whether they were applied, errors and alerts with links to their CSVs (relative to the
    page, so the same pages work as files and in the Rosters app). `page` is what every page shows of
    the run (district, district_id, status, counts, counts_title, approved_by, applied, rolled_back)."""
    from rostersync.holds import plan_holds
    from rostersync.plan import plan_summary, school_changes

    catalogue = errors.CATALOGUE
    page = {
        "data_date": plan_summary(conn, run_id).data_date,
        "controls": None,
        "applied": False,
        "rolled_back": False,
        **page,
    }
    holds: dict[str, list] = {}
    for hold in plan_holds(conn, run_id):
        holds.setdefault(hold.school, []).append(hold)
    changes = school_changes(conn, run_id)
    states = {school: (state, reasons) for school, state, reasons in store.query(conn, "apply/select_school_states")}
    decided = store.query(conn, "gate/select_gate_decisions", {"run_id": run_id})
    decisions = {school: _decision(released, reason, by, at) for school, released, reason, by, at in decided}
    released = {school for school, was_released, *_ in decided if was_released}
    issue_counts: dict[str | None, dict[str, int]] = {}
    for school_sid, code, n in store.query(conn, "reports/select_school_issue_counts", {"run_id": run_id}):
        issue_counts.setdefault(school_sid, {})[code] = n

    def issues(counts: dict[str, int], where: Path) -> dict[str, dict]:
        return {
            code: {
                "severity": catalogue[code].severity,
                "message": catalogue[code].message,
                "fix": catalogue[code].fix,
                "count": n,
                "csv": f"issues_{code}.csv" if (where / f"issues_{code}.csv").exists() else None,
            }
            for code, n in sorted(counts.items())
        }

    schools = []
    for school_sid, school_id, selected, mapped, name in run_schools(conn, run_id):
        where = school_folder(folder, school_sid)
        state, reasons = states.get(school_id, (None, None))
        if state != "On hold":
            reasons = None  # a released school keeps its last hold reasons in school_state; shown below
        if not mapped:
            state, reasons = "Not synced", "no mapping in the district config"
        elif not selected:
            state, reasons = "Paused", "deselected in the district config"
        kept = bool(holds.get(school_id)) and school_id not in released
        school_changed = changes.get(school_id, {})
        schools.append(
            {
                "sid": school_sid,
                "key": where.name,
                "school_id": school_id,
                "name": name,
                "state": state or "Not in the roster yet",
                "reasons": reasons,
                "holds": holds.get(school_id, []),
                "decision": decisions.get(school_id),
                "changes": school_changed,
                "applied": _applied(page["applied"], kept, mapped and selected, school_changed, page["rolled_back"]),
                "issues": issues(issue_counts.get(school_sid, {}), where),
                "destructive_csv": (where / "destructive_changes.csv").exists(),
                "page": f"schools/{quote(where.name, safe=':+')}/summary.html",
                "folder": where,
            }
        )
    totals: dict[str, int] = {}
    for counts in issue_counts.values():
        for code, n in counts.items():
            totals[code] = totals.get(code, 0) + n
    run_page = {
        "run_id": run_id,
        "schools": schools,
        "issues": issues(totals, folder),
        "destructive_csv": (folder / "destructive_changes.csv").exists(),
        **page,
    }
    return SummaryPages(run_page, schools, page)


def _applied(run_applied: bool, kept_on_hold: bool, synced: bool, changes: dict, rolled_back: bool = False) -> str:
    """Whether a school's planned changes reached the roster in this run (and stayed), in words."""
    if not any(sum(c.values()) for c in changes.values()):
        return "no changes"
    if not synced:
        return "not applied: the school is not synced"
    if kept_on_hold:
        return "not applied: kept on hold" if run_applied else "not applied yet: waiting for approval"
    if not run_applied:
        return "not applied yet"
    return "applied, then rolled back" if rolled_back else "applied"


@dataclass
class SummaryPages:
    run: dict[str, Any]
    """The run page's context."""
    schools: list[dict[str, Any]]
    """Each source school's context (`folder`: where its reports are)."""
    page: dict[str, Any]
    """What every page shows of the run."""

    def school(self, key: str) -> dict[str, Any] | None:
        """The school whose reports folder is `key`."""
        return next((s for s in self.schools if s["key"] == key), None)


def write_summaries(conn: duckdb.DuckDBPyConnection, run_id: str, folder: Path, **page: Any) -> Path:
    """The run's `summary.html` and one `schools/<school>/summary.html` per source school (see
    `summary_pages`): the static export of the pages the Rosters app shows."""
    pages = summary_pages(conn, run_id, folder, **page)
    for school in pages.schools:
        school_page = school["folder"] / "summary.html"
        write_html(school_page, "school_summary.html.j2", run_id=run_id, school=school, **pages.page)
    return write_html(folder / "summary.html", "run_summary.html.j2", **pages.run)
