"""The Airflow adapters: the land sensor's timeout message and its poke, the no-new-data skip, the
Clever connection's URL, the approval operator's skip of the wait when nothing is held."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from conftest import backdate, district_yaml
from roster_helpers import small_district
from rostersync import landing
from rostersync.config import load_district
from rostersync.operators import LandFilesSensor, clever_base_url, skip_if_unchanged


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "data"))
    return load_district(
        district_yaml(
            tmp_path / "config",
            "ops",
            source={"format": "remind_csv_v2", "conn_id": "c", "settle_seconds": 90, "wait_limit_minutes": 30},
        )
    )


def test_the_sensor_waits_in_reschedule_mode_and_its_timeout_names_the_files(config):
    sensor = LandFilesSensor(task_id="land_files", config=config)
    assert sensor.mode == "reschedule" and sensor.timeout == 30 * 60
    sensor._waiting_on = ["users.csv", "classes.csv"]
    assert sensor.timeout_message() == (
        "gave up after 30 min: still being written: users.csv, classes.csv (each file must be unchanged for 90 s)"
    )


def test_a_poke_waits_on_a_file_still_being_written_then_lands(config, tmp_path, monkeypatch):
    import rostersync.operators as operators

    folder = small_district(3, ("N",)).write(tmp_path / "drop")
    monkeypatch.setattr(
        operators,
        "SFTPHook",
        lambda ssh_conn_id: SimpleNamespace(
            list_directory_with_attr=landing.LocalFolder(folder).list_directory_with_attr,
            retrieve_file=landing.LocalFolder(folder).retrieve_file,
            close_conn=lambda: None,
        ),
    )
    sensor = LandFilesSensor(task_id="land_files", config=config)
    assert sensor.poke_interval == 300
    assert sensor.poke({"run_id": "r1"}).is_done is False and "users.csv" in sensor._waiting_on
    # it looks again when the files should have settled (90 s), not a whole poke interval later
    assert 80 <= sensor.poke_interval <= 91, sensor.poke_interval
    backdate(folder, 60)
    assert sensor.poke({"run_id": "r1"}).is_done is False
    assert 20 <= sensor.poke_interval <= 31, sensor.poke_interval
    backdate(folder)
    done = sensor.poke({"run_id": "r1"})
    assert done.is_done and done.xcom_value["upload_sha256"]


def test_the_same_upload_again_skips_the_run_as_no_new_data():
    from airflow.sdk.exceptions import AirflowSkipException

    assert skip_if_unchanged({"same_as_run": None, "files": {}}) == {"same_as_run": None, "files": {}}
    with pytest.raises(
        AirflowSkipException, match="no new data: the upload is byte-for-byte the one applied by run r7"
    ):
        skip_if_unchanged({"same_as_run": "r7"})


@pytest.mark.parametrize(
    ("host", "schema", "port", "url"),
    [
        ("https://api.clever.com", None, None, "https://api.clever.com"),
        ("api.clever.com", None, None, "https://api.clever.com"),
        ("127.0.0.1", "http", 8099, "http://127.0.0.1:8099"),
    ],
)
def test_the_clever_base_url_comes_from_the_http_connection(host, schema, port, url):
    assert clever_base_url(SimpleNamespace(host=host, schema=schema, port=port)) == url
