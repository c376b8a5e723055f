"""No personal data reaches task logs or Airflow's database: an upload with names, emails, phones and birth
dates in every position that produces an error runs through the tasks, and nothing they log, raise, return
(XCom) or put in the gate's body (Airflow's DB) holds any of them. The reports, for the admins, may."""

from __future__ import annotations

import csv
import json
import os
import time
import traceback
from dataclasses import asdict

import pytest
from conftest import district_yaml
from roster_helpers import Upload, small_district
from rostersync import landing, snapshot, steps, store
from rostersync.config import load_district
from rostersync.dev.servers import SmtpSink
from rostersync.format_check import FormatCheckFailed
from rostersync.formats import get_format
from rostersync.notify import SmtpSettings
from rostersync.run import Run

GIVEN, FAMILY = "Zelda", "Quixotexx"
EMAIL = "zelda.quixote@private.example"
PHONE = "555-0199-777"
BIRTH = "2011-04-05"
SECRETS = (GIVEN + " " + FAMILY, FAMILY, EMAIL, PHONE, BIRTH, "zelda.quixote")


def person(user_id="SNX1", role="student", email=EMAIL):
    return (user_id, role, GIVEN, FAMILY, email, PHONE, BIRTH, "5", "")


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def landed(tmp_path, monkeypatch, upload: Upload, mutate=None):
    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "data"))
    config = load_district(district_yaml(tmp_path / "config", "pii"))
    folder = upload.write(tmp_path / "upload")
    if mutate:
        mutate(folder)
    for f in folder.iterdir():
        os.utime(f, (time.time() - 3600, time.time() - 3600))
    steps.land_files.land_files(Run(config, "r1"), landing.LocalFolder(folder))
    return config


def with_person(**kw) -> Upload:
    up = small_district(students_per_school=3, schools=("N",))
    up.users.append(person(**kw))
    up.school_enrollments.append(("N", kw.get("user_id", "SNX1")))
    up.class_enrollments.append(("CN", kw.get("user_id", "SNX1"), "student", "false"))
    return up


def edit_line(name, change):
    """A mutation of the line of one file that holds the PII person."""

    def mutate(folder):
        path = folder / name
        data = path.read_bytes()
        lines = data.split(b"\n")
        i = next(n for n, line in enumerate(lines) if EMAIL.encode() in line or b"SNX1" in line)
        lines[i] = change(lines[i])
        path.write_bytes(b"\n".join(lines))

    return mutate


def drop_header(name):
    def mutate(folder):
        path = folder / name
        lines = path.read_text().splitlines(keepends=True)
        i = next(n for n, line in enumerate(lines) if EMAIL in line)
        path.write_text("".join([lines[i], *lines[1:i], *lines[i + 1 :]]))

    return mutate


FORMAT_ERRORS = {
    "email in the role column (F009)": (with_person(role=EMAIL), None),
    "non-UTF-8 byte on the line (F002)": (with_person(), edit_line("users.csv", lambda b: b + b"\xff")),
    "broken quoting on the line (F006)": (with_person(), edit_line("users.csv", lambda b: b.replace(b",", b',"', 1))),
    "a field too many on the line (F005)": (with_person(), edit_line("users.csv", lambda b: b + b"," + EMAIL.encode())),
    "control character in the name (F018)": (
        with_person(),
        edit_line("users.csv", lambda b: b.replace(b"Zelda", b"Ze\x1blda")),
    ),
    "the person's line as the header (F004, F022)": (with_person(), drop_header("users.csv")),
    "a name past the length limit (F010)": (
        with_person(),
        edit_line("users.csv", lambda b: b.replace(FAMILY.encode(), FAMILY.encode() * 40)),
    ),
    "the id blank on the line (F007)": (with_person(), edit_line("users.csv", lambda b: b.replace(b"SNX1", b""))),
}


@pytest.mark.parametrize("case", FORMAT_ERRORS)
def test_format_errors_log_codes_and_lines_never_values(case, tmp_path, monkeypatch, caplog, capfd):
    caplog.set_level("DEBUG")
    upload, mutate = FORMAT_ERRORS[case]
    config = landed(tmp_path, monkeypatch, upload, mutate)
    with SmtpSink() as sink:
        smtp = SmtpSettings(host="127.0.0.1", port=sink.port, from_email="r@example.org")
        with pytest.raises(FormatCheckFailed) as failed:
            steps.format_check.format_check(Run(config, "r1", smtp=smtp))
    logged = caplog.text + "".join(capfd.readouterr()) + "".join(traceback.format_exception(failed.value))
    assert "[F0" in logged  # the task says what and where...
    assert leaks(logged) == [], f"{case}: personal data in the task log"  # ...and nothing of the person
    report = (tmp_path / "data" / "reports" / "pii" / "r1" / "format_errors.csv").read_text()
    assert report  # the admins' CSV has the detail (it may hold values)


def test_a_duckdb_error_reaching_a_task_carries_its_place_not_the_line(tmp_path, monkeypatch, caplog):
    """normalize over a file the check would refuse (broken quoting on the person's line): DuckDB's own
    message quotes the line; what the task raises names the file and line only."""
    caplog.set_level("DEBUG")
    config = landed(tmp_path, monkeypatch, with_person(), edit_line("users.csv", lambda b: b.replace(b",", b',"', 2)))
    with store.connect("pii") as conn, pytest.raises(Exception) as failed:
        snapshot.normalize(conn, get_format("remind_csv_v2"), store.landing_dir("pii", "r1"), "r1")
    text = "".join(traceback.format_exception(failed.value)) + caplog.text
    assert "normalize failed" in text and "users.csv" in text
    assert leaks(text) == []
    with pytest.raises(Exception) as failed_task:
        steps.normalize.normalize(Run(config, "r1"))
    assert leaks("".join(traceback.format_exception(failed_task.value))) == []


def test_a_whole_run_with_record_errors_and_failed_expectations_logs_no_personal_data(
    tmp_path, monkeypatch, caplog, capfd
):
    """Bad shapes everywhere the suites and record checks look: a teacher whose email is not an email
    (E101), a student born in the future, a phone with letters; all of it in reports, none in logs."""
    caplog.set_level("DEBUG")
    up = small_district(students_per_school=3, schools=("N",))
    up.users.append(("TNX", "teacher", GIVEN, FAMILY, "zelda.quixote at home", PHONE, "", "", ""))
    up.users.append(("SNX1", "student", GIVEN, FAMILY, EMAIL, "555-ZELDA", "2099-01-01", "5", ""))
    up.school_enrollments += [("N", "TNX"), ("N", "SNX1")]
    up.class_enrollments += [("CN", "SNX1", "student", "false")]
    config = landed(tmp_path, monkeypatch, up)
    returned = []
    with SmtpSink() as sink:
        smtp = SmtpSettings(host="127.0.0.1", port=sink.port, from_email="r@example.org")
        returned.append(steps.format_check.format_check(Run(config, "r1", smtp=smtp)))
        returned.append(steps.normalize.normalize(Run(config, "r1")))
        returned.append(steps.expectations.expectations(Run(config, "r1")))
        returned.append(steps.detect_holds.detect_holds(Run(config, "r1", smtp=smtp)))
        opened = steps.approve.open_gate(Run(config, "r1"))
        needed, subject, body = opened.needed, opened.subject, opened.body
    logged = caplog.text + "".join(capfd.readouterr())
    stored = (
        json.dumps([asdict(r) for r in returned], default=str) + subject + body
    )  # XCom and the gate: Airflow's database
    assert needed and "E101" in json.dumps([asdict(r) for r in returned], default=str)
    assert leaks(logged) == [], "personal data in the task logs"
    assert leaks(stored) == [], "personal data in what Airflow stores"
    reports = tmp_path / "data" / "reports" / "pii" / "r1"
    issues = list(csv.DictReader((reports / "issues_E101.csv").open()))
    assert issues, "the admins' report lists the record"
