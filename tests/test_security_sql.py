"""No text from an upload becomes SQL: a header cell crafted to end an identifier and run statements is a
format error, and even read past the check (normalize on its own), it runs nothing: files are read by
position and every name in the SQL is the code's."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys

import pytest
from rostersync import snapshot, store, synth
from rostersync.format_check import check_folder
from rostersync.formats import get_format

CSV_FORMATS = ["remind_csv_v1", "remind_csv_v2", "oneroster_v1_1", "oneroster_v1_2"]


def attacks(tmp_path):
    """Header cells that close the quoted identifier the old code pasted them into, and then write a
    file, attach another district's store and change it, or break the parser."""
    written = tmp_path / "pwned.csv"
    other = tmp_path / "other" / "roster.duckdb"
    return (
        written,
        other,
        [
            f"""user_id" IS NULL) FROM candidate; COPY (SELECT 1) TO '{written}'; SELECT ("user_id""",
            f"""x"; ATTACH '{other}' AS o; UPDATE o.accounts SET given_name = 'pwned'; SELECT "x""",
            'a"b',
            "name'); DROP TABLE snap_people; --",
        ],
    )


@pytest.fixture(scope="module")
def uploads(tmp_path_factory):
    district = synth.generate(40, seed=3)
    root = tmp_path_factory.mktemp("valid")
    return {name: synth.WRITERS[name](district, root / name) for name in CSV_FORMATS}


def other_district(path):
    """Another district's store, with one account the attack tries to rename."""
    path.parent.mkdir(parents=True)
    import duckdb

    conn = duckdb.connect(str(path))
    store.migrate(conn)
    conn.execute("INSERT INTO accounts (account_id, person_sid, given_name) VALUES (1, 'P1', 'Ada')")
    conn.close()


def other_names(path):
    import duckdb

    conn = duckdb.connect(str(path), read_only=True)
    try:
        return conn.execute("SELECT given_name FROM accounts").fetchall()
    finally:
        conn.close()


def add_column(path, cell):
    """The hostile cell as the last header column, with a value on every row (a well-formed file)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[0].append(cell)
    for row in rows[1:]:
        row.append("v")
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def largest_file(fmt, folder):
    spec = max(
        (s for s in get_format(fmt).files if (folder / s.name).exists() and s.name != "manifest.csv"),
        key=lambda s: (folder / s.name).stat().st_size,
    )
    return folder / spec.name


@pytest.mark.parametrize("fmt", CSV_FORMATS)
@pytest.mark.parametrize("attack", range(4))
def test_an_injected_header_is_a_format_error_and_runs_nothing(uploads, fmt, attack, tmp_path):
    written, other, cells = attacks(tmp_path)
    other_district(other)
    folder = tmp_path / "upload"
    shutil.copytree(uploads[fmt], folder)
    path = largest_file(fmt, folder)
    add_column(path, cells[attack])
    report = check_folder(get_format(fmt), folder)
    assert [(e.code, e.file, e.line) for e in report.errors] == [("F022", path.name, 1)]
    assert report.errors[0].value == cells[attack]  # the cell is in the admins' report...
    assert cells[attack] not in str(report.errors[0])  # ...never in what a log prints
    assert not written.exists()
    assert other_names(other) == [("Ada",)]
    # Read past the check, by normalize alone: still nothing runs, and the column is ignored.
    with store.scratch() as conn:
        snapshot.normalize(conn, get_format(fmt), folder, "r1")
        assert conn.execute("SELECT count(*) FROM snap_people").fetchone()[0] > 0
    assert not written.exists()
    assert other_names(other) == [("Ada",)]


@pytest.mark.parametrize("fmt", CSV_FORMATS)
def test_a_quote_in_a_header_cell_is_an_error_not_a_parser_crash(uploads, fmt, tmp_path):
    folder = tmp_path / "upload"
    shutil.copytree(uploads[fmt], folder)
    path = largest_file(fmt, folder)
    text = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(text[0] + ',"quo""ted"\n' + text[1].replace("\n", ",x\n"), encoding="utf-8")
    assert [e.code for e in check_folder(get_format(fmt), folder).errors] == ["F022"]


def test_the_check_command_refuses_the_injection_and_writes_nothing(uploads, tmp_path):
    written, other, cells = attacks(tmp_path)
    folder = tmp_path / "upload"
    shutil.copytree(uploads["remind_csv_v2"], folder)
    add_column(folder / "users.csv", cells[0])
    done = subprocess.run(
        [sys.executable, "-m", "rostersync", "check", "--format", "remind_csv_v2", "--from", str(folder)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stderr
    assert "F022" in done.stdout and "Traceback" not in done.stderr
    assert not written.exists()


def test_the_sql_injection_rule_runs_over_plugins_and_dags_with_no_suppression():
    """ruff's S608 is selected in pyproject.toml; no file in plugins/ or dags/ silences it."""
    import tomllib

    config = tomllib.loads((store.REPO_ROOT / "pyproject.toml").read_text())
    assert "S" in config["tool"]["ruff"]["lint"]["select"]
    for pattern, ignored in config["tool"]["ruff"]["lint"].get("per-file-ignores", {}).items():
        if not pattern.startswith("tests"):
            assert "S608" not in ignored, pattern
    sources = [*(store.REPO_ROOT / "plugins").rglob("*.py"), *(store.REPO_ROOT / "dags").rglob("*.py")]
    assert not [p for p in sources if "S608" in p.read_text() or "noqa: S" in p.read_text()]
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "S608", "plugins", "dags"],
        capture_output=True,
        text=True,
        cwd=store.REPO_ROOT,
    )
    assert done.returncode == 0, done.stdout
