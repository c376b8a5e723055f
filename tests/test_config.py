from datetime import time

import pytest
from conftest import district_yaml
from rostersync import store
from rostersync.config import ConfigError, load_district, load_districts


def test_the_demo_district_configs_load():
    lakeside, riverside = load_districts(store.CONFIG_DIR)
    assert riverside.dag_id == "roster_sync__riverside" and riverside.source.format == "remind_csv_v2"
    assert lakeside.source.kind == "clever" and lakeside.source.conn_id == "clever_lakeside"


def test_default_start_is_stable_and_inside_eleven_pm_to_one_am(tmp_path):
    starts = {load_district(district_yaml(tmp_path, f"d{n}")).nightly_start() for n in range(40)}
    assert all(s >= time(23, 0) or s < time(1, 0) for s in starts)
    assert len(starts) > 10  # spread, not one slot for everyone
    assert (
        load_district(district_yaml(tmp_path, "d1")).nightly_start()
        == load_district(district_yaml(tmp_path, "d1")).nightly_start()
    )


def test_misspelled_field_names_the_file_the_field_and_a_guess(tmp_path):
    path = district_yaml(tmp_path, "typo", admin_emials=["a@b.org"])
    with pytest.raises(
        ConfigError, match=r"typo\.yaml: field admin_emials: unknown field; did you mean 'admin_emails'"
    ):
        load_district(path)


def test_nested_field_errors_name_the_path(tmp_path):
    path = district_yaml(tmp_path, "badfmt", source={"format": "excel", "conn_id": "x"})
    with pytest.raises(ConfigError, match=r"badfmt\.yaml: field source\.format"):
        load_district(path)


def test_start_time_outside_the_nightly_window_is_refused(tmp_path):
    path = district_yaml(tmp_path, "noon", start_time="12:00")
    with pytest.raises(ConfigError, match="start_time: .*23:00-05:00"):
        load_district(path)


def test_district_id_must_match_the_file_name(tmp_path):
    path = district_yaml(tmp_path, "alpha")
    path.rename(tmp_path / "beta.yaml")
    with pytest.raises(ConfigError, match="must match the file name 'beta'"):
        load_district(tmp_path / "beta.yaml")


def test_a_typo_inside_the_source_is_named_with_a_guess(tmp_path):
    path = district_yaml(tmp_path, "clev", source={"kind": "clever", "conn_id": "c", "page_sze": 100})
    with pytest.raises(
        ConfigError, match=r"clev\.yaml: field source\.page_sze: unknown field; did you mean 'page_size'"
    ):
        load_district(path)
