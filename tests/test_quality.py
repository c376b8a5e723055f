import json

import pytest
from rostersync import quality, snapshot, store
from rostersync.formats import get_format

FMT = get_format("remind_csv_v2")


def test_every_suite_loads_from_json_with_a_severity_on_each_expectation():
    suites = quality.load_suites()
    assert set(suites) == {"snap_people", "snap_classes", "snap_memberships"}


def test_a_suite_without_severity_is_refused(tmp_path):
    (tmp_path / "snap_people.json").write_text(
        json.dumps(
            {
                "name": "x",
                "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}}],
            }
        )
    )
    with pytest.raises(ValueError, match="needs meta.severity"):
        quality.load_suites(tmp_path)


def test_the_demo_snapshot_passes_and_results_are_written(upload, tmp_path):
    with store.scratch() as conn:
        snapshot.normalize(conn, FMT, upload, "r1")
        result = quality.run_quality(conn, "r1", tmp_path / "gx")
    assert result.fatal_failures == []
    saved = json.loads((tmp_path / "gx" / "snap_people.json").read_text())
    assert saved["success"] is True
    assert result.alerts.get("A201", 0) > 0  # the generator leaves a few students without contact


def test_a_fatal_expectation_stops_the_run(upload):
    with store.scratch() as conn:
        snapshot.normalize(conn, FMT, upload, "r1")
        conn.execute("INSERT INTO snap_people (run_id, person_sid, role) VALUES ('r1', 'X1', 'wizard')")
        with pytest.raises(quality.ExpectationsFailed, match="snap_people: expect_column_values_to_be_in_set on role"):
            quality.run_quality(conn, "r1", None)
        # The record checks ran beside the suites: a run stopped here keeps none (nothing of it goes on).
        assert conn.execute("SELECT count(*) FROM record_issues WHERE run_id = 'r1'").fetchone() == (0,)


def test_a_suite_that_cannot_run_is_an_error_raised_once_the_record_checks_end(upload, tmp_path):
    """The suites run in a thread beside the record checks: the thread's error is the call's, raised once
    both are done (nothing left reading the store's connection), and the run keeps no record issues."""
    wizard = {"type": "expect_column_to_exist", "kwargs": {"column": "spell"}, "meta": {"severity": "alert"}}
    (tmp_path / "snap_wizards.json").write_text(json.dumps({"expectations": [wizard]}))
    with store.scratch() as conn:
        snapshot.normalize(conn, FMT, upload, "r1")
        with pytest.raises(ValueError, match="suites are for the tables"):
            quality.run_quality(conn, "r1", None, suites=quality.load_suites(tmp_path))
        assert conn.execute("SELECT count(*) FROM record_issues WHERE run_id = 'r1'").fetchone() == (0,)
        assert quality.record_issues_only(conn, "r1").issues  # the checks themselves find some


def test_record_issues_find_each_seeded_problem(tmp_path):
    from roster_helpers import small_district

    up = small_district(students_per_school=2, schools=("N",))
    up.users = [(u[0], u[1], u[2], u[3], "", "", *u[6:]) if u[0] in ("TN", "SN000", "PN001") else u for u in up.users]
    up.class_enrollments.append(("NOPE", "SN001", "student", "false"))
    up.class_enrollments.append(("CN", "GHOST", "student", "false"))
    up.classes.append(("EMPTY", "N", "Empty class", "2026", "3"))
    with store.scratch() as conn:
        snapshot.normalize(conn, FMT, up.write(tmp_path), "r1")
        counts = quality.find_record_issues(conn, "r1")
    assert counts == {"E101": 1, "E103": 1, "E104": 1, "E105": 1, "A201": 1, "A202": 1}


def _seeded_problems():
    """A small district with one problem per suite expectation that is not fatal; each is found by id."""
    from roster_helpers import small_district

    up = small_district(students_per_school=8, schools=("N",))
    changes = {  # student id -> (column index in users.csv, new value)
        "SN000": (4, "not-an-email"),
        "SN001": (5, "call me"),
        "SN002": (7, "Z9"),
        "SN003": (6, "2031-02-30"),
        "SN004": (6, "1901-01-01"),
        "SN005": (3, ""),
    }
    users = []
    for row in up.users:
        if row[0] in changes:
            column, value = changes[row[0]]
            row = (*row[:column], value, *row[column + 1 :])
        users.append(row)
    up.users = users
    up.classes.append(("TWO", "N", "Two leads", "2026", "2"))
    up.users.append(("TX", "teacher", "Sec", "Ond", "tx@school.org", "", "", "", ""))
    up.class_enrollments += [("TWO", "TN", "teacher", "true"), ("TWO", "TX", "teacher", "true")]
    up.class_enrollments += [("NOPE", "SN006", "student", "false"), ("CN", "GHOST", "student", "false")]
    return up


def test_the_suites_catch_each_seeded_problem_and_list_its_failing_rows(tmp_path):
    up = _seeded_problems()
    with store.scratch() as conn:
        snapshot.normalize(conn, FMT, up.write(tmp_path / "up"), "r1")
        outcome = quality.run_suites(conn, "r1", tmp_path / "gx")
    failed = {(table, f["column"]) for table, suite in outcome.items() for f in suite["failed"]}
    assert failed == {
        ("snap_people", "email"),
        ("snap_people", "phone"),
        ("snap_people", "grade"),
        ("snap_people", "birth_date_readable"),
        ("snap_people", "student_age_years"),
        ("snap_people", "has_required_names"),
        ("snap_classes", "primary_teachers"),
        ("snap_memberships", "class_known"),
        ("snap_memberships", "person_known"),
    }
    import csv

    people = list(csv.DictReader((tmp_path / "gx" / "failing_rows_snap_people.csv").open()))
    assert {(r["column"], r["person_sid"]) for r in people} == {
        ("email", "SN000"),
        ("phone", "SN001"),
        ("grade", "SN002"),
        ("birth_date_readable", "SN003"),
        ("student_age_years", "SN004"),
        ("has_required_names", "SN005"),
    }
    assert all(r["severity"] in ("error", "alert") for r in people)
    classes = list(csv.DictReader((tmp_path / "gx" / "failing_rows_snap_classes.csv").open()))
    assert [(r["class_sid"], r["value"]) for r in classes] == [("TWO", "2")]
    members = list(csv.DictReader((tmp_path / "gx" / "failing_rows_snap_memberships.csv").open()))
    assert {(r["column"], r["class_sid"], r["person_sid"]) for r in members} == {
        ("class_known", "NOPE", "SN006"),
        ("person_known", "CN", "GHOST"),
    }
    saved = json.loads((tmp_path / "gx" / "snap_people.json").read_text())
    assert saved["success"] is False
    assert all("unexpected_index_list" not in r["result"] for r in saved["results"])  # the rows are in the CSV


def test_a_clean_district_writes_no_failing_rows(tmp_path):
    from roster_helpers import small_district

    with store.scratch() as conn:
        snapshot.normalize(conn, FMT, small_district(students_per_school=3).write(tmp_path / "up"), "r1")
        outcome = quality.run_suites(conn, "r1", tmp_path / "gx")
    assert all(suite["success"] for suite in outcome.values())
    assert not list((tmp_path / "gx").glob("failing_rows_*.csv"))
