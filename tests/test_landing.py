"""Landing from a real asyncssh SFTP server on loopback, through the SFTP provider's hook."""

import json
import os
import shutil
import time

import pytest
from conftest import DEMO_FILES, airflow_connection
from rostersync.dev.servers import SftpServer
from rostersync.formats import get_format
from rostersync.landing import MANIFEST, MissingFiles, land_upload

FMT = get_format("remind_csv_v2")


@pytest.fixture
def sftp(tmp_path, monkeypatch):
    with SftpServer(tmp_path / "sftp", {"district": "pw"}) as server:
        drop = tmp_path / "sftp" / "district"
        shutil.copytree(DEMO_FILES, drop, dirs_exist_ok=True)
        old = time.time() - 3600
        for f in drop.iterdir():
            os.utime(f, (old, old))
        monkeypatch.setenv(
            "AIRFLOW_CONN_SFTP_TEST",
            airflow_connection(
                "sftp",
                host="127.0.0.1",
                port=server.port,
                login="district",
                password="pw",
                extra={"no_host_key_check": True},
            ),
        )
        from airflow.providers.sftp.hooks.sftp import SFTPHook

        hook = SFTPHook(ssh_conn_id="sftp_test")
        yield hook, drop
        hook.close_conn()


def test_an_upload_lands_whole_with_a_sha256_manifest(sftp, tmp_path):
    hook, drop = sftp
    dest = tmp_path / "landing" / "run1"
    result = land_upload(hook, "/", FMT, dest, settle_seconds=60)
    assert result.waiting_on == []
    assert sorted(result.files) == sorted(p.name for p in DEMO_FILES.iterdir())
    assert (dest / "users.csv").read_bytes() == (DEMO_FILES / "users.csv").read_bytes()
    manifest = json.loads((dest / MANIFEST).read_text())
    assert manifest["upload_sha256"] == result.upload_sha256 and len(result.upload_sha256) == 64
    assert not dest.with_name("run1.partial").exists()


def test_a_rerun_reads_the_landed_folder_instead_of_pulling_again(sftp, tmp_path):
    hook, drop = sftp
    dest = tmp_path / "landing" / "run1"
    first = land_upload(hook, "/", FMT, dest, settle_seconds=60)
    (drop / "users.csv").write_text("changed after landing\n")
    again = land_upload(hook, "/", FMT, dest, settle_seconds=60)
    assert again.upload_sha256 == first.upload_sha256


def test_a_missing_required_file_fails_and_is_named(sftp, tmp_path):
    hook, drop = sftp
    (drop / "class_enrollments.csv").unlink()
    with pytest.raises(MissingFiles, match="missing from the upload: class_enrollments.csv"):
        land_upload(hook, "/", FMT, tmp_path / "landing" / "r", settle_seconds=60)


def test_a_file_still_being_written_is_not_taken(sftp, tmp_path):
    hook, drop = sftp
    (drop / "users.csv").write_bytes((DEMO_FILES / "users.csv").read_bytes())  # modified just now
    dest = tmp_path / "landing" / "r"
    result = land_upload(hook, "/", FMT, dest, settle_seconds=60)
    assert result.waiting_on == ["users.csv"]
    assert not dest.exists()


def test_the_upload_last_applied_is_recognised_as_no_new_data(sftp, tmp_path):
    hook, _ = sftp
    first = land_upload(hook, "/", FMT, tmp_path / "landing" / "r1", settle_seconds=60)
    again = land_upload(
        hook,
        "/",
        FMT,
        tmp_path / "landing" / "r2",
        settle_seconds=60,
        last_applied=("r1", first.upload_sha256),
    )
    assert again.same_as_run == "r1"
