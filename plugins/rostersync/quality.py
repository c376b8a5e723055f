"""Data quality: Great Expectations suites from `expectations/`, and record-level errors and alerts.

The suites check each snapshot table's shape (GX 1.x, ephemeral context, on pandas frames of only the
columns a suite names, and of at most GX_MAX_ROWS rows: a fixed-seed reservoir sample of larger
tables, since GX on pandas costs seconds per expectation per million rows). A failing expectation
tagged `fatal` stops the run. Guarantees over every row (ids present, allowed values) are the format
check's; those that decide what is applied (one id per person and class, roles that fit, usable emails)
are record-level SQL over every row (include/sql/quality): errors skip the records they name, alerts
only report. Results go under the run's reports folder; logs carry counts only.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from rostersync import errors, store
from rostersync.errors import RosterSyncError
from rostersync.reports import write_csv

RECORD_CATALOGUE = errors.of("record")
"""Record-level errors (the record is skipped, kept as the roster has it) and alerts (reported only)."""


GX_MAX_ROWS = 100_000
SUITE_TABLES = ("snap_people", "snap_classes", "snap_memberships")
"""The snapshot tables a suite file (expectations/<table>.json) may name: its name becomes SQL."""


class ExpectationsFailed(RosterSyncError):
    """A fatal expectation failed: the snapshot is not fit to be diffed."""

    code = "R003"


@dataclass
class QualityResult:
    suites: dict[str, dict] = field(
        default_factory=dict
    )  # table -> {success, failed: [{type, column, severity, count}]}
    issues: dict[str, int] = field(default_factory=dict)  # code -> count
    results_dir: str = ""

    @property
    def fatal_failures(self) -> list[str]:
        return [
            f"{table}: {f['type']} on {f['column']} ({f['count']} rows)"
            for table, suite in self.suites.items()
            for f in suite["failed"]
            if f["severity"] == "fatal"
        ]

    @property
    def errors(self) -> dict[str, int]:
        return split_by_severity(self.issues)[0]

    @property
    def alerts(self) -> dict[str, int]:
        return split_by_severity(self.issues)[1]


def find_record_issues(conn: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Replace the run's record issues; returns counts per catalogue code."""
    store.execute(conn, "quality/prepare_record_issues", {"run_id": run_id})
    with store.transaction(conn):
        store.execute(conn, "quality/delete_run_issues", {"run_id": run_id})
        store.execute(conn, "quality/insert_record_issues", {"run_id": run_id})
    return record_issue_counts(conn, run_id)


def record_issue_counts(conn: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    return {code: n for code, _severity, n in store.query(conn, "quality/select_issue_counts", {"run_id": run_id})}


def split_by_severity(counts: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """(errors, alerts) of a code -> count mapping."""
    errors = {c: n for c, n in counts.items() if RECORD_CATALOGUE[c].severity == "error"}
    return errors, {c: n for c, n in counts.items() if c not in errors}


def load_suites(folder: Path | None = None) -> dict[str, dict]:
    """Every suite in `folder` (default: store.expectations_dir()), keyed by the snapshot table it validates."""
    folder = folder or store.expectations_dir()
    suites = {}
    for path in sorted(folder.glob("*.json")):
        suite = json.loads(path.read_text(encoding="utf-8"))
        for expectation in suite["expectations"]:
            severity = expectation.get("meta", {}).get("severity")
            if severity not in ("fatal", "error", "alert"):
                raise ValueError(f"{path}: {expectation['type']} needs meta.severity fatal, error or alert")
        suites[path.stem] = suite
    return suites


def run_suites(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    results_dir: Path | None,
    suites: dict[str, dict] | None = None,
) -> dict[str, dict]:
    """Validate each snapshot table of the run with its suite. With `results_dir`: GX's results JSON
    per table, and for a suite that reports failures, `failing_rows_<table>.csv` (ids and values)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    suites = load_suites() if suites is None else suites
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # they fill the task log
    source = context.data_sources.add_pandas("snapshot")
    outcome: dict[str, dict] = {}
    for table, spec in suites.items():
        row_id = list(spec.get("meta", {}).get("row_id", []))
        named = {e["kwargs"]["column"] for e in spec["expectations"] if "column" in e["kwargs"]}
        if table not in SUITE_TABLES:
            raise ValueError(f"expectations/{table}.json: suites are for the tables {', '.join(SUITE_TABLES)}")
        frame = conn.execute(
            store.sql_with(
                "quality/select_suite_columns",
                columns=store.Fragment(", ".join(store.identifier(c) for c in sorted(named | set(row_id)))),
                table=table,
                max_rows=store.Fragment(str(int(GX_MAX_ROWS))),
                frame=store.Fragment(store.split_statements(store.sql(f"quality/select_frame_{table}"))[0]),
            ),
            {"run_id": run_id},
        ).df()
        [(total,)] = store.query_text(conn, store.sql_with("quality/count_run_rows", table=table), {"run_id": run_id})
        batch_definition = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("run")
        suite = gx.ExpectationSuite(name=table)
        for expectation in spec["expectations"]:
            suite.add_expectation_configuration(ExpectationConfiguration(**expectation))
        suite = context.suites.add(suite)
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result_format: dict = {"result_format": "COMPLETE", "unexpected_index_column_names": row_id}
        result = batch.validate(suite, result_format=result_format).to_json_dict()
        failing = _failing_rows(result, row_id)
        for r in result["results"]:  # the failing rows go to the CSV; the JSON keeps counts and examples
            for key in ("unexpected_list", "unexpected_index_list", "unexpected_index_query"):
                r["result"].pop(key, None)
        if results_dir is not None:
            results_dir.mkdir(parents=True, exist_ok=True)
            (results_dir / f"{table}.json").write_text(json.dumps(result, indent=1, default=str))
            if failing:
                header = ["expectation", "column", "severity", *row_id, "value"]
                write_csv(results_dir / f"failing_rows_{table}.csv", header, failing)
        failed = [
            {
                "type": r["expectation_config"]["type"],
                "column": r["expectation_config"]["kwargs"].get("column"),
                "severity": r["expectation_config"]["meta"]["severity"],
                "count": r["result"].get("unexpected_count"),
            }
            for r in result["results"]
            if not r["success"]
        ]
        outcome[table] = {"success": result["success"], "rows": total, "rows_validated": len(frame), "failed": failed}
    return outcome


def _failing_rows(result: dict, row_id: list[str]) -> list[list]:
    """One row per value an expectation found unexpected, with the ids of its record (every failing
    expectation counts, `mostly` or not: the admin sees what to fix)."""
    rows = []
    for r in result["results"]:
        config = r["expectation_config"]
        column = config["kwargs"].get("column")
        for found in r["result"].get("unexpected_index_list") or []:
            ids = [found.get(c) for c in row_id]
            rows.append([config["type"], column, config["meta"]["severity"], *ids, found.get(column)])
    return rows


def run_quality(
    conn: duckdb.DuckDBPyConnection, run_id: str, results_dir: Path | None, suites: dict[str, dict] | None = None
) -> QualityResult:
    """The expectations gate: suites and record issues. Raises ExpectationsFailed on a fatal failure; then,
    or when a suite cannot run, keeps no record issues for the run (nothing of it goes further).

    The two run at once: the suites (GX's import and its pandas work, one core of Python) in a thread on
    a cursor of their own, the record checks (DuckDB, which releases the GIL) here. Both only read the
    snapshot; only the record checks write. `suites`: as run_suites takes them (default: expectations/)."""
    result = QualityResult(results_dir=str(results_dir or ""))
    suites_conn = store.cursor(conn)
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="suites") as pool:
            validated = pool.submit(run_suites, suites_conn, run_id, results_dir, suites)
            result.issues = find_record_issues(conn, run_id)
        try:
            result.suites = validated.result()  # the pool's end waited for it, even when the checks failed
        except Exception:
            _forget_issues(conn, run_id)
            raise
    finally:
        suites_conn.close()
    if result.fatal_failures:
        _forget_issues(conn, run_id)
        raise ExpectationsFailed(
            "the snapshot failed expectations that must hold before a diff:\n  "
            + "\n  ".join(result.fatal_failures)
            + (f"\nGX results: {results_dir}" if results_dir else "")
        )
    return result


def _forget_issues(conn: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """The run stops at its expectations: the record issues found beside the suites go."""
    with store.transaction(conn):
        store.execute(conn, "quality/delete_run_issues", {"run_id": run_id})


def record_issues_only(conn: duckdb.DuckDBPyConnection, run_id: str) -> QualityResult:
    """The record-level checks without the suites (a preview or a test that needs only what is applied)."""
    return QualityResult(issues=find_record_issues(conn, run_id))
