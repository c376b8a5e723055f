"""Reports: one CSV per error and alert code (per run and per school), summary pages, links, safe cells."""

import csv

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from roster_helpers import prepare, small_district, sync
from rostersync import quality, reports, store
from rostersync.reports import safe_cell, write_csv


def test_cells_a_spreadsheet_would_run_are_neutralised(tmp_path):
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("+1555") == "'+1555" and safe_cell("-x") == "'-x" and safe_cell("@sum") == "'@sum"
    assert safe_cell("Ana") == "Ana" and safe_cell(None) == ""
    path = write_csv(tmp_path / "r.csv", ["a"], [["=1+1"]])
    assert path.read_text().splitlines() == ["a", "'=1+1"]


def _replace(up, person_sid, **values):
    columns = {"first": 2, "last": 3, "email": 4, "phone": 5}
    rows = []
    for row in up.users:
        if row[0] == person_sid:
            row = list(row)
            for name, value in values.items():
                row[columns[name]] = value
            row = tuple(row)
        rows.append(row)
    up.users = rows


def _one_of_each():
    """Run 2 of a two-school district with one targeted record per catalogue code."""
    up = small_district(students_per_school=6)
    up.users.append(("TBAD", "teacher", "No", "Mail", "not-an-email", "", "", "", ""))  # E101
    up.school_enrollments.append(("N", "TBAD"))
    up.class_enrollments.append(("CN", "TBAD", "teacher", "false"))
    _replace(up, "SN000", last="")  # E102
    up.class_enrollments.append(("NOPE", "SN001", "student", "false"))  # E103
    up.class_enrollments.append(("CN", "GHOST", "student", "false"))  # E104
    _replace(up, "PN002", email="", phone="")  # E105
    _replace(up, "SN004", email="sn003@school.org")  # E106: SN003 keeps it (lower id)
    up.users = [u for u in up.users if u[0] != "SN005"]  # E107: SN005 leaves, a new student gets the address
    up.school_enrollments = [e for e in up.school_enrollments if e[1] != "SN005"]
    up.class_enrollments = [e for e in up.class_enrollments if e[1] != "SN005"]
    up.relationships = [r for r in up.relationships if r[0] != "SN005"]
    up.users.append(("SN999", "student", "New", "Comer", "sn005@school.org", "", "2014-01-01", "5", ""))
    up.school_enrollments.append(("N", "SN999"))
    _replace(up, "SS000", email="", phone="")  # A201
    up.classes.append(("EMPTY", "S", "Empty class", "2026", "3"))  # A202
    up.class_enrollments.append(("EMPTY", "TS", "teacher", "true"))
    up.users.append(("TX", "teacher", "Idle", "Teacher", "tx@school.org", "", "", "", ""))  # A203
    up.users.append(("SN003", "teacher", "Same", "Id", "same@school.org", "", "", "", ""))  # E108: a second SN003
    up.class_enrollments.append(("CN", "SN002", "teacher", "false"))  # E109: a student as a teacher
    up.relationships.append(("SN001", "TN", "Father", "guardian"))  # E110: a teacher as a guardian
    _replace(up, "PS001", email="ps001@home.org, other@home.org", phone="555-0101")  # A204: two addresses
    _replace(up, "PS002", phone="555-PARENT")  # A205
    up.school_enrollments.append(("S", "TX"))
    return up


EXPECTED = {  # code -> (school, the record's source id)
    "E101": ("N", "TBAD"),
    "E102": ("N", "SN000"),
    "E103": ("N", "NOPE|SN001"),
    "E104": ("N", "CN|GHOST"),
    "E105": ("N", "PN002"),
    "E106": ("N", "SN004"),
    "E107": ("N", "SN999"),
    "A201": ("S", "SS000"),
    "A202": ("S", "EMPTY"),
    "A203": ("S", "TX"),
    "E108": ("N", "SN003"),
    "E109": ("N", "CN|SN002"),
    "E110": ("N", "SN001|TN"),
    "A204": ("S", "PS001"),
    "A205": ("S", "PS002"),
}
ONLY_IN_OTHER_FORMATS = {"E111": "OneRoster 1.2 roles", "E113": "Clever records", "A206": "OneRoster dates"}
"""Codes this Remind CSV 2.0 fixture cannot raise: tests/test_messy_input.py raises them in their formats."""


@pytest.fixture
def run2(tmp_path):
    with store.connect("unit", tmp_path) as conn:
        sync(conn, small_district(students_per_school=6), tmp_path, "r1")
        prepare(conn, _one_of_each(), tmp_path, "r2")
        folder = tmp_path / "reports" / "r2"
        written = reports.write_record_issues(conn, "r2", folder)
        reports.write_destructive_changes(conn, "r2", folder)
        page = reports.write_summaries(
            conn,
            "r2",
            folder,
            district="Unit District",
            district_id="unit",
            status="planned",
            counts={"accounts": {"create": 1, "update": 0, "remove": 1}},
            counts_title="Changes planned",
            approved_by=None,
        )
        yield folder, written, page


def test_each_catalogue_entry_lands_in_its_csv_and_in_its_schools(run2):
    folder, written, _page = run2
    assert set(written) == set(quality.RECORD_CATALOGUE) - set(ONLY_IN_OTHER_FORMATS) == set(EXPECTED)
    for code, (school, source_id) in EXPECTED.items():
        rows = list(csv.DictReader(written[code].open()))
        assert {(r["school_sid"], r["source_id"]) for r in rows} == {(school, source_id)}, code
        assert rows[0]["severity"] == quality.RECORD_CATALOGUE[code].severity
        per_school = list(csv.DictReader((folder / "schools" / school / f"issues_{code}.csv").open()))
        assert per_school == rows
        other = "S" if school == "N" else "N"
        assert not (folder / "schools" / other / f"issues_{code}.csv").exists()
    both = list(csv.DictReader(written["E108"].open()))  # one id, two people: both records are listed
    assert sorted(r["role"] for r in both) == ["student", "teacher"]


def test_the_report_rows_carry_what_the_admin_needs_to_find_the_record(run2):
    _folder, written, _page = run2
    [row] = list(csv.DictReader(written["E106"].open()))
    assert (row["name"], row["family_name"], row["email"]) == ("Stu", "Dent4", "sn003@school.org")
    [row] = list(csv.DictReader(written["A202"].open()))
    assert (row["entity"], row["name"]) == ("class", "Empty class")


def test_the_summary_pages_count_each_type_and_link_their_csvs(run2):
    folder, _written, page = run2
    html = page.read_text()
    for code in EXPECTED:
        assert f'<a href="issues_{code}.csv">' in html
    assert 'href="schools/N/summary.html"' in html and 'href="schools/S/summary.html"' in html
    school_n = (folder / "schools" / "N" / "summary.html").read_text()
    assert '<a href="issues_E101.csv">' in school_n and "issues_A202.csv" not in school_n
    assert '<a href="destructive_changes.csv">' in school_n  # SN005 leaves: school N has a removal
    removals = list(csv.DictReader((folder / "schools" / "N" / "destructive_changes.csv").open()))
    assert ("account", "SN005") in {(r["entity"], r["source_id"]) for r in removals}
    assert not (folder / "schools" / "S" / "destructive_changes.csv").exists()


def test_a_rerun_replaces_the_reports_of_codes_no_longer_found(tmp_path):
    with store.connect("unit", tmp_path) as conn:
        prepare(conn, _one_of_each(), tmp_path, "r1")
        reports.write_record_issues(conn, "r1", tmp_path / "out")
        conn.execute("DELETE FROM record_issues WHERE code = 'E101'")
        written = reports.write_record_issues(conn, "r1", tmp_path / "out")
    assert "E101" not in written
    assert not list((tmp_path / "out").rglob("issues_E101.csv"))


def test_links_open_the_rosters_pages_under_airflows_base_url_and_are_files_outside_airflow(tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("ROSTERSYNC_ROSTERS_URL", raising=False)
    monkeypatch.delenv("AIRFLOW__API__BASE_URL", raising=False)
    path = store.reports_dir("riverside", "manual__2026-01-01T00:00:00+00:00") / "schools" / "N 1" / "summary.html"
    import airflow.configuration  # a task process has Airflow's configuration loaded

    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example.org/")
    assert reports.link(path) == (
        "https://airflow.example.org/rosters/riverside/manual__2026-01-01T00:00:00+00:00/schools/N%201/summary.html"
    )
    monkeypatch.setenv("ROSTERSYNC_ROSTERS_URL", "https://rosters.example.org/rosters/")
    assert reports.link(path).startswith("https://rosters.example.org/rosters/riverside/manual__")
    monkeypatch.delenv("ROSTERSYNC_ROSTERS_URL")
    monkeypatch.delenv("AIRFLOW__API__BASE_URL")
    assert airflow.configuration.conf.get("api", "base_url", fallback=None) is None
    assert reports.link(path) == path.resolve().as_uri()


def test_a_rejected_runs_pages_say_the_held_schools_changes_were_not_applied_and_count_each_entity_apart(tmp_path):
    """The per-school columns once summed accounts and memberships ("remove 402" = 200 + 202), and a
    rejected run listed the held school's changes under "Changes applied"."""
    with store.connect("unit", tmp_path) as conn:
        sync(conn, small_district(students_per_school=20), tmp_path, "r1")
        shrunk = small_district(students_per_school=20)
        gone = {f"SN{n:03d}" for n in range(10)}  # half of school N's students leave: N is held
        shrunk.users = [u for u in shrunk.users if u[0] not in gone]
        shrunk.school_enrollments = [e for e in shrunk.school_enrollments if e[1] not in gone]
        shrunk.class_enrollments = [e for e in shrunk.class_enrollments if e[1] not in gone]
        shrunk.users.append(("SS999", "student", "New", "Kid", "ss999@school.org", "", "", "5", ""))
        shrunk.school_enrollments.append(("S", "SS999"))
        shrunk.class_enrollments.append(("CS", "SS999", "student", "false"))
        sync(conn, shrunk, tmp_path, "r2", answer="Reject")
        synced = conn.execute("SELECT status, counts FROM sync_runs WHERE run_id = 'r2'").fetchone()
        assert synced is not None and synced[0] == "rejected"
        pages = reports.summary_pages(
            conn, "r2", tmp_path / "out", district="Unit", district_id="unit", status="rejected",
            counts={}, counts_title="Changes applied", approved_by="approver", applied=True,
        )  # fmt: skip
    schools = {s["sid"]: s for s in pages.schools}
    assert schools["N"]["applied"] == "not applied: kept on hold"
    assert schools["S"]["applied"] == "applied"
    assert schools["N"]["changes"]["accounts"]["remove"] == 20  # ten students and their ten guardians
    assert schools["N"]["changes"]["memberships"]["remove"] == 20  # class and parent memberships
    from rostersync.notify import render_page

    html = render_page("run_summary.html.j2", **pages.run)
    n_row = next(line for line in html.splitlines() if 'href="schools/N/summary.html"' in line)
    assert "not applied: kept on hold" in n_row
    assert "<td>+0 ~0 &minus;20</td>" in n_row and "&minus;40" not in n_row  # each entity apart, never summed


CELLS = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list("ab,\"\r\n\t =+-@'é;") + ["\u2028", "\x85"]), max_size=8),
    st.text(max_size=6),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(CELLS, CELLS, CELLS), min_size=1, max_size=6))
def test_the_csv_lines_built_in_sql_are_the_lines_csv_writer_writes(rows):
    """Report CSVs are written from lines DuckDB builds (reports/select_csv_lines): for any text, NULL,
    formula start, quote, comma or line break, each line is what write_csv writes for the same row."""
    conn = duckdb.connect()
    try:
        conn.execute("CREATE TABLE t (n INTEGER, a VARCHAR, b VARCHAR, c VARCHAR)")
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", [(n, *row) for n, row in enumerate(rows)])
        store.execute(conn, "reports/create_csv_macros")
        text = store.sql_with(
            "reports/select_csv_lines",
            query=store.Fragment("SELECT a, b, c, n FROM t"),
            group=store.Fragment('"g"'),
            hidden=store.Fragment('"g", "o"'),
            keys=store.Fragment('report."n" AS "g", report."n" AS "o"'),
            order=store.Fragment('"o"'),
        )
        lines = [line for _n, line in conn.execute(text).fetchall()]
    finally:
        conn.close()
    assert lines == [reports.csv_line([*row, n]) for n, row in enumerate(rows)]


def test_report_rows_are_grouped_and_sorted_by_their_values_not_their_csv_text(conn, tmp_path):
    """Two school ids whose CSV cells read alike (`=s` is written `'=s`, as is the id `'=s` itself; NULL
    and '' are both empty) keep their own files, and rows sort by their values, NULL school last."""
    schools = ["=s", "'=s", None, "", "b,c", "-a"]
    keys = ["-b", "a,b", "=k", "plain", '"q"']
    rows = [(key, school) for school in schools for key in keys]
    conn.executemany(
        "INSERT INTO record_issues (run_id, code, severity, entity, key, school_sid) "
        "VALUES ('r9', 'E101', 'error', 'person', ?, ?)",
        rows,
    )
    written = reports.write_record_issues(conn, "r9", tmp_path)
    with written["E101"].open(newline="") as handle:
        listed = [(r["school_sid"], r["source_id"]) for r in csv.DictReader(handle)]
    expected = sorted(rows, key=lambda r: (r[1] is None, r[1] or "", r[0]))
    assert listed == [(safe_cell(s), safe_cell(k)) for k, s in expected]
    for school in schools[:2] + schools[3:]:
        with (reports.school_folder(tmp_path, school) / "issues_E101.csv").open(newline="") as handle:
            assert [r["source_id"] for r in csv.DictReader(handle)] == [safe_cell(k) for k in sorted(keys)]
