"""`python -m rostersync check`, run as a user runs it."""

import json
import subprocess
import sys

from conftest import DEMO_FILES


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
