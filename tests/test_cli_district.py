"""`python -m rostersync district new`: a district's YAML scaffolded, valid as the DAG file reads it."""

from __future__ import annotations

import pytest
from rostersync.__main__ import main
from rostersync.config import CleverSource, SftpSource, load_district, load_valid_districts


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTERSYNC_CONFIG", str(tmp_path / "districts"))
    return tmp_path / "districts"


def test_a_new_sftp_district_is_a_valid_config_with_its_connection(config_dir, capsys):
    args = ["district", "new", "maple_grove", "--name", 'Maple Grove "MG" USD', "--source", "oneroster_v1_2"]
    assert main([*args, "--admin-email", "a@mg.example.org", "--admin-email", "b@mg.example.org"]) == 0
    config = load_district(config_dir / "maple_grove.yaml")
    assert isinstance(config.source, SftpSource) and config.source.format == "oneroster_v1_2"
    assert config.source.conn_id == "sftp_maple_grove" and config.name == 'Maple Grove "MG" USD'
    assert config.admin_emails == ["a@mg.example.org", "b@mg.example.org"]
    assert "roster_sync__maple_grove" in capsys.readouterr().out
    assert [c.district_id for c in load_valid_districts(config_dir)] == ["maple_grove"]


def test_a_new_clever_district_uses_an_http_connection(config_dir):
    assert (
        main(["district", "new", "oakdale", "--name", "Oakdale", "--source", "clever", "--admin-email", "x@o.org"]) == 0
    )
    config = load_district(config_dir / "oakdale.yaml")
    assert isinstance(config.source, CleverSource) and config.source.conn_id == "clever_oakdale"


def test_an_existing_district_or_a_bad_id_is_refused_and_nothing_is_left_behind(config_dir, capsys):
    new = ["--name", "X", "--source", "remind_csv_v2", "--admin-email", "x@x.org"]
    assert main(["district", "new", "same", *new]) == 0
    before = (config_dir / "same.yaml").read_text()
    assert main(["district", "new", "same", *new]) == 2
    assert (config_dir / "same.yaml").read_text() == before
    assert main(["district", "new", "Bad-Id", *new]) == 2
    assert main(["district", "new", "../escape", *new]) == 2
    assert "district_id" in capsys.readouterr().err
    assert sorted(p.name for p in config_dir.iterdir()) == ["same.yaml"]
