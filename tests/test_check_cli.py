"""`python -m rostersync check`, run as a user runs it."""

import json
import subprocess
import sys

from conftest import DEMO_FILES, hold_store


def check(*args):
    return subprocess.run(
        [sys.executable, "-m", "rostersync", "check", "--format", "remind_csv_v2", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_json_preview_of_the_demo_district():
    done = check("--from", str(DEMO_FILES), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["format_errors"] == []
    users = (DEMO_FILES / "users.csv").read_text().splitlines()[1:]
    assert result["snapshot"]["students"] == sum(",student," in u for u in users)
    assert result["snapshot"]["teachers"] == sum(",teacher," in u for u in users)
    assert result["snapshot"]["guardians"] == sum(",parent," in u for u in users)
    assert result["changes"]["accounts"] == {"create": len(users), "update": 0, "remove": 0}
    assert {h["reason"] for h in result["holds"]} == {"initial_sync"}
    assert set(result["snapshot"]) >= {
        "schools",
        "students",
        "teachers",
        "guardians",
        "classes",
        "memberships",
    }
    assert "A201" in result["alerts"]


def test_format_errors_exit_1_and_are_listed(tmp_path):
    for f in DEMO_FILES.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "schools.csv").unlink()
    done = check("--from", str(tmp_path), "--json")
    assert done.returncode == 1
    [error] = json.loads(done.stdout)["format_errors"]
    assert (error["code"], error["file"], error["line"]) == ("F001", "schools.csv", None)
    assert error["message"]


def test_a_zip_package_is_read_and_a_path_outside_it_refused(tmp_path):
    import zipfile

    package = tmp_path / "upload.zip"
    with zipfile.ZipFile(package, "w") as archive:
        for f in DEMO_FILES.iterdir():
            archive.write(f, f.name)
    assert check("--from", str(package)).returncode == 0
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../escape.csv", "x")
    done = check("--from", str(evil), "--json")
    assert done.returncode == 1
    [error] = json.loads(done.stdout)["format_errors"]
    assert (error["code"], error["file"]) == ("F014", "evil.zip") and "points outside the package" in error["message"]


def test_text_output_names_each_school():
    done = check("--from", str(DEMO_FILES))
    assert done.returncode == 0
    assert "school SCH0001:" in done.stdout and "hold: school SCH0001: initial_sync" in done.stdout


def cli(*args, env=None):
    import os

    return subprocess.run(
        [sys.executable, "-m", "rostersync", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_an_expectation_failure_is_one_message_and_exit_1(tmp_path, monkeypatch):
    """A fatal expectation (a suite that requires something this upload lacks) stops the preview cleanly."""
    import shutil

    suites = tmp_path / "expectations"
    shutil.copytree(DEMO_FILES.parents[1] / "expectations", suites)
    people = suites / "snap_people.json"
    suite = json.loads(people.read_text())
    suite["expectations"].append(
        {"type": "expect_column_values_to_be_null", "kwargs": {"column": "email"}, "meta": {"severity": "fatal"}}
    )
    people.write_text(json.dumps(suite))
    done = cli(
        "check", "--format", "remind_csv_v2", "--from", str(DEMO_FILES), env={"ROSTERSYNC_EXPECTATIONS": str(suites)}
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.startswith("error: ")
    assert "snap_people: expect_column_values_to_be_null on email" in done.stderr


def test_a_busy_store_is_exit_2_for_check_and_rollback(tmp_path):
    import yaml

    data = tmp_path / "data"
    (data / "busy").mkdir(parents=True)
    config = tmp_path / "busy.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "district_id": "busy",
                "name": "Busy",
                "source": {"format": "remind_csv_v2", "conn_id": "c"},
                "admin_emails": ["a@example.org"],
            }
        )
    )
    holder = hold_store(data / "busy" / "roster.duckdb")
    env = {"ROSTERSYNC_DATA": str(data), "ROSTERSYNC_LOCK_WAIT_SECONDS": "1"}
    try:
        checked = cli(
            "check", "--format", "remind_csv_v2", "--from", str(DEMO_FILES), "--district", str(config), env=env
        )
        rolled = cli("rollback", "--district", "busy", "--run", "r1", env=env)
    finally:
        holder.kill()
    for done in (checked, rolled):
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and "in use by another process" in done.stderr


def test_check_never_writes_inside_from_and_rereads_a_fixed_zip(tmp_path):
    import zipfile

    folder = tmp_path / "drop"
    folder.mkdir()
    files = {f.name: f.read_text() for f in DEMO_FILES.iterdir()}
    broken = dict(files, **{"schools.csv": files["schools.csv"] + "BAD\n"})
    with zipfile.ZipFile(folder / "upload.zip", "w") as archive:
        for name, text in broken.items():
            archive.writestr(name, text)
    first = check("--from", str(folder), "--json")
    assert first.returncode == 1 and json.loads(first.stdout)["format_errors"][0]["code"] == "F005"
    assert [p.name for p in folder.iterdir()] == ["upload.zip"], "nothing is written inside --from"
    with zipfile.ZipFile(folder / "upload.zip", "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    assert check("--from", str(folder)).returncode == 0, "the fixed zip is read again, not an old unpacking"
