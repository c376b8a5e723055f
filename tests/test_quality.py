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
