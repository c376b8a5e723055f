"""Real SIS exports go through: OneRoster packages written the way other producers write them (our own
minimal writer, not the synthetic generator's full columns), legacy statuses, forgiving header matching,
manifest-only and delta packages in `check`, and enrollment and term dates against the data date."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from roster_helpers import config
from rostersync import pipeline, store
from rostersync.format_check import check_folder
from rostersync.formats import get_format


def package(folder: Path, version: str, files: dict[str, list[dict]], modes: dict[str, str] | None = None) -> Path:
    """A OneRoster package as a minimal exporter writes it: only the columns its rows have, and a
    manifest naming every file it sends (bulk unless `modes` says) and the others absent."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        columns = list(dict.fromkeys(k for row in rows for k in row))
        with (folder / f"{name}.csv").open("w", newline="") as handle:
            out = csv.DictWriter(handle, columns)
            out.writeheader()
            out.writerows(rows)
    every: tuple[str, ...] = (
        "academicSessions",
        "categories",
        "classes",
        "classResources",
        "courses",
        "courseResources",
        "demographics",
        "enrollments",
        "lineItems",
        "orgs",
        "resources",
        "results",
        "users",
    )
    every = (*every, "roles", "userProfiles") if version == "1.2" else every
    manifest = [("manifest.version", "1.0"), ("oneroster.version", version)] + [
        (f"file.{n}", (modes or {}).get(n, "bulk") if n in files else "absent") for n in every
    ]
    with (folder / "manifest.csv").open("w", newline="") as handle:
        lines = csv.writer(handle)
        lines.writerow(["propertyName", "value"])
        lines.writerows(manifest)
    return folder


def minimal_1_1() -> dict[str, list[dict]]:
    """Two schools, a teacher and three students in each, one class each: the columns a minimal
    exporter writes and nothing else; courses, demographics and academicSessions absent."""
    orgs = [{"sourcedId": "D1", "name": "Lake District", "type": "district"}]
    users, classes, enrollments = [], [], []
    for s in ("A", "B"):
        orgs.append({"sourcedId": f"SCH{s}", "name": f"School {s}", "type": "school"})
        classes.append({"sourcedId": f"C{s}", "title": f"Math {s}", "schoolSourcedId": f"SCH{s}"})
        people = [(f"T{s}", "teacher")] + [(f"S{s}{n}", "student") for n in range(3)]
        for sid, role in people:
            users.append(
                {
                    "sourcedId": sid,
                    "orgSourcedIds": f"SCH{s}",
                    "role": role,
                    "givenName": "Ana",
                    "familyName": f"Lee{sid}",
                    "email": f"{sid.lower()}@lake.example.org",
                }
            )
            enrollments.append({"sourcedId": f"E{sid}", "classSourcedId": f"C{s}", "userSourcedId": sid, "role": role})
    return {"orgs": orgs, "classes": classes, "users": users, "enrollments": enrollments}


def check(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rostersync", "check", *args, "--json"], capture_output=True, text=True, timeout=300
    )


def test_a_minimal_exporters_1_1_package_passes_with_alerts_for_what_it_leaves_out(tmp_path):
    folder = package(tmp_path / "minimal", "1.1", minimal_1_1())
    done = check("--format", "oneroster_v1_1", "--from", str(folder))
    assert done.returncode == 0, done.stdout + done.stderr
    out = json.loads(done.stdout)
    assert out["format_errors"] == []
    assert {(a["code"], a["file"], a["column"]) for a in out["format_alerts"]} >= {
        ("A302", "users.csv", "agentSourcedIds"),
        ("A302", "classes.csv", "termSourcedIds"),
        ("A302", "enrollments.csv", "primary"),
    }
    ignored = {(a["code"], a["column"]) for a in out["format_alerts"] if a["column"] in ("password", "middleName")}
    assert ignored == {("A305", "password"), ("A305", "middleName")}  # told, never a stop
    snapshot = out["snapshot"]
    assert (snapshot["schools"], snapshot["teachers"], snapshot["students"], snapshot["classes"]) == (2, 2, 6, 2)
    assert out["changes"]["accounts"]["create"] == 8 and out["changes"]["memberships"]["create"] == 8
    assert out["changes"]["classes"]["create"] == 2  # titles from classes.csv: courses.csv is absent


def test_a_needed_column_missing_is_still_an_error(tmp_path):
    files = minimal_1_1()
    for user in files["users"]:
        del user["orgSourcedIds"]
    report = check_folder(get_format("oneroster_v1_1"), package(tmp_path / "p", "1.1", files))
    assert [(e.code, e.file, e.column) for e in report.errors] == [("F004", "users.csv", "orgSourcedIds")]


def test_a_needed_file_the_manifest_says_absent_is_an_error(tmp_path):
    files = minimal_1_1()
    del files["enrollments"]
    report = check_folder(get_format("oneroster_v1_1"), package(tmp_path / "p", "1.1", files))
    assert [(e.code, e.file) for e in report.errors] == [("F001", "enrollments.csv")]


def test_a_1_0_style_package_with_inactive_and_blank_statuses(tmp_path):
    files = minimal_1_1()
    for row in files["users"]:
        row["status"] = "inactive" if row["sourcedId"] == "SA2" else ""
    for row in files["enrollments"]:
        row["status"] = "inactive" if row["userSourcedId"] == "SA2" else "active"
    done = check("--format", "oneroster_v1_1", "--from", str(package(tmp_path / "p", "1.1", files)))
    assert done.returncode == 0, done.stdout + done.stderr
    out = json.loads(done.stdout)
    inactive = {a["file"]: a["message"] for a in out["format_alerts"] if a["code"] == "A303"}
    assert set(inactive) == {"users.csv", "enrollments.csv"} and "1 row(s)" in inactive["users.csv"]
    assert out["snapshot"]["students"] == 5 and out["changes"]["memberships"]["create"] == 7


def test_headers_in_another_case_or_with_spaces_are_read_with_an_alert_and_a_misspelling_is_not(tmp_path):
    folder = package(tmp_path / "p", "1.1", minimal_1_1())
    users = folder / "users.csv"
    text = users.read_text()
    users.write_text(text.replace("givenName", " GIVENNAME ", 1).replace("familyName", "familyname", 1))
    report = check_folder(get_format("oneroster_v1_1"), folder)
    assert report.ok and {(a.code, a.column) for a in report.alerts if a.code == "A301"} == {
        ("A301", "givenName"),
        ("A301", "familyName"),
    }
    users.write_text(text.replace("givenName", "givnName", 1))
    report = check_folder(get_format("oneroster_v1_1"), folder)
    assert [(e.code, e.column, e.value) for e in report.errors] == [("F004", "givenName", "givnName")]


def test_a_manifest_only_package_means_no_change(tmp_path):
    done = check("--format", "oneroster_v1_2", "--from", str(package(tmp_path / "p", "1.2", {})))
    assert done.returncode == 0, done.stderr
    assert "nothing changed" in json.loads(done.stdout)["no_change"]


def delta_1_2() -> dict[str, list[dict]]:
    """A 1.2 delta: one active org, user, role, class and enrollment, and one user marked tobedeleted."""
    stamp = "2026-11-20T18:14:45.000Z"
    return {
        "orgs": [
            {
                "sourcedId": "SCHD",
                "status": "active",
                "dateLastModified": stamp,
                "name": "Delta School",
                "type": "school",
            }
        ],
        "users": [
            {
                "sourcedId": "TD",
                "status": "active",
                "dateLastModified": stamp,
                "givenName": "Dee",
                "familyName": "Elta",
                "email": "td@delta.example.org",
            },
            {
                "sourcedId": "GONE",
                "status": "tobedeleted",
                "dateLastModified": stamp,
                "givenName": "Go",
                "familyName": "Ne",
            },
        ],
        "roles": [
            {
                "sourcedId": "R1",
                "status": "active",
                "dateLastModified": stamp,
                "userSourcedId": "TD",
                "roleType": "primary",
                "role": "teacher",
                "orgSourcedId": "SCHD",
            }
        ],
        "classes": [
            {
                "sourcedId": "CD",
                "status": "active",
                "dateLastModified": stamp,
                "title": "Delta Math",
                "schoolSourcedId": "SCHD",
            }
        ],
        "enrollments": [
            {
                "sourcedId": "ED",
                "status": "active",
                "dateLastModified": stamp,
                "classSourcedId": "CD",
                "userSourcedId": "TD",
                "role": "teacher",
                "primary": "true",
            }
        ],
    }


def test_a_1_2_delta_package_previews_against_an_empty_roster(tmp_path):
    folder = package(tmp_path / "p", "1.2", delta_1_2(), modes=dict.fromkeys(delta_1_2(), "delta"))
    done = check("--format", "oneroster_v1_2", "--from", str(folder))
    assert done.returncode == 0, done.stdout + done.stderr
    out = json.loads(done.stdout)
    assert out["changes"]["accounts"]["create"] == 1 and out["changes"]["classes"]["create"] == 1
    assert out["delta"]["would_remove_not_present"]["users.csv"] == 1
    assert "needs a bulk package first" in out["delta"]["note"]


def test_a_delta_previews_against_the_districts_last_applied_snapshot(tmp_path, monkeypatch):
    import yaml

    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "data"))
    cfg = config(district_id="lake", source={"format": "oneroster_v1_1", "conn_id": "c"})
    with store.connect("lake") as conn:
        pipeline.sync(conn, cfg, package(tmp_path / "bulk", "1.1", minimal_1_1()), "r1", suites=False)
    stamp = "2026-11-20T18:14:45.000Z"
    delta = {
        "users": [
            {
                "sourcedId": "SA0",
                "status": "tobedeleted",
                "dateLastModified": stamp,
                "role": "student",
                "orgSourcedIds": "SCHA",
                "givenName": "Ana",
                "familyName": "LeeSA0",
            },
            {
                "sourcedId": "NOBODY",
                "status": "tobedeleted",
                "dateLastModified": stamp,
                "role": "student",
                "orgSourcedIds": "SCHA",
                "givenName": "No",
                "familyName": "Body",
            },
        ]
    }
    yaml_path = tmp_path / "lake.yaml"
    yaml_path.write_text(yaml.safe_dump(cfg.model_dump(mode="json")))
    folder = package(tmp_path / "delta", "1.1", delta, modes={"users": "delta"})
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "rostersync",
            "check",
            "--format",
            "oneroster_v1_1",
            "--from",
            str(folder),
            "--district",
            str(yaml_path),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "ROSTERSYNC_DATA": str(tmp_path / "data")},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = json.loads(done.stdout)
    assert out["changes"]["accounts"] == {"create": 0, "update": 0, "remove": 1}
    assert out["delta"]["would_remove_not_present"] == {"users.csv": 1}


def dated(enrollments: list[tuple[str, str, str]]) -> dict[str, list[dict]]:
    """minimal_1_1 with student SA0..SA2 enrolled with these (user, beginDate, endDate)."""
    files = minimal_1_1()
    dates = {user: (begin, end) for user, begin, end in enrollments}
    for row in files["enrollments"]:
        if row["userSourcedId"] in dates:
            row["beginDate"], row["endDate"] = dates[row["userSourcedId"]]
    return files


@pytest.mark.parametrize(
    ("begin", "end", "current"),
    [
        ("2025-08-20", "2026-06-10", False),  # ended last June
        ("2026-08-20", "2026-11-23", True),  # ends on the data date: still current
        ("2026-08-20", "2027-06-10", True),
        ("2027-01-05", "2027-06-10", False),  # starts next term
        ("", "", True),  # no dates: current
        ("2026-08-20T00:00:00.000Z", "2027-06-10T23:59:59.000Z", True),  # date-times
    ],
)
def test_an_enrollment_is_a_membership_while_its_dates_include_the_data_date(tmp_path, begin, end, current):
    files = dated([("SA0", begin, end)])
    cfg = config(source={"format": "oneroster_v1_1", "conn_id": "c"})
    with store.connect("dates", tmp_path) as conn:
        pipeline.sync(
            conn, cfg, package(tmp_path / "p", "1.1", files), "r1", suites=False, data_date=date(2026, 11, 23)
        )
        members = {
            p
            for (p,) in conn.execute(
                "SELECT a.person_sid FROM memberships m JOIN accounts a USING (account_id) WHERE m.status = 'active'"
            ).fetchall()
        }
        alerts = conn.execute("SELECT key, other_key FROM record_issues WHERE code = 'A206'").fetchall()
    assert ("SA0" in members) is current
    assert (alerts == [("CA", "SA0")]) is not current


def test_an_enrollment_that_ends_removes_its_membership_and_counts_toward_the_hold(tmp_path):
    cfg = config(source={"format": "oneroster_v1_1", "conn_id": "c"}, holds={"removal_min_count": 3})
    with store.connect("dates", tmp_path) as conn:
        pipeline.sync(
            conn, cfg, package(tmp_path / "r1", "1.1", dated([])), "r1", suites=False, data_date=date(2026, 11, 1)
        )
        ended = dated([(f"SA{n}", "2026-08-20", "2026-11-20") for n in range(3)])
        planned = pipeline.plan_upload(
            conn, cfg, package(tmp_path / "r2", "1.1", ended), "r2", suites=False, data_date=date(2026, 11, 23)
        )
    assert planned.summary.changes["memberships"]["remove"] == 3
    assert ("SCHA", "data_removals") in {(h.school, h.reason) for h in planned.holds}
    assert str(planned.summary.data_date) == "2026-11-23"


def test_a_class_whose_terms_are_over_is_archived(tmp_path):
    files = minimal_1_1()
    files["academicSessions"] = [
        {"sourcedId": "FALL", "title": "Fall", "type": "semester", "startDate": "2026-08-20", "endDate": "2026-12-18"},
        {
            "sourcedId": "Y25",
            "title": "2025-26",
            "type": "schoolYear",
            "startDate": "2025-08-20",
            "endDate": "2026-06-10",
        },
    ]
    files["classes"][0]["termSourcedIds"] = "Y25"
    files["classes"][1]["termSourcedIds"] = "FALL"
    cfg = config(source={"format": "oneroster_v1_1", "conn_id": "c"})
    with store.connect("terms", tmp_path) as conn:
        pipeline.sync(
            conn, cfg, package(tmp_path / "p", "1.1", files), "r1", suites=False, data_date=date(2026, 11, 23)
        )
        classes = dict(conn.execute("SELECT class_sid, status FROM classes").fetchall())
    assert classes == {"CB": "pending"}  # CA's only term ended in June: it is not synced


def test_remind_v2_optional_columns_and_file_may_be_absent(tmp_path):
    from roster_helpers import small_district

    folder = small_district(students_per_school=3).write(tmp_path / "v2")
    (folder / "relationships.csv").unlink()
    users = folder / "users.csv"
    rows = list(csv.DictReader(users.open()))
    with users.open("w", newline="") as handle:
        out = csv.DictWriter(
            handle, ["user_id", "role", "first_name", "last_name", "email", "grade"], extrasaction="ignore"
        )
        out.writeheader()
        out.writerows(rows)
    report = check_folder(get_format("remind_csv_v2"), folder)
    assert report.ok, report.summary()
    assert {a.column for a in report.alerts if a.code == "A302"} == {"phone", "date_of_birth", "student_number"}
