"""deploy/: the constraints file pins what requirements.txt pins, and the production environment file
names only values the stack (and so a deployment following the README) provides."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()] = version.strip()
    return pins


def test_the_constraints_pin_every_requirement_at_the_same_version():
    required, constrained = _pins(REPO / "requirements.txt"), _pins(REPO / "deploy" / "constraints.txt")
    assert {
        name: (version, constrained.get(name)) for name, version in required.items() if constrained.get(name) != version
    } == {}
    assert constrained["celery"] == "5.6.3", "celery 5.7.0 breaks Airflow's scheduler"


def test_the_production_environment_is_complete_and_celery_on_postgresql_and_redis(tmp_path, monkeypatch):
    from rostersync.dev import stack

    monkeypatch.setattr(stack, "AIRFLOW_HOME", tmp_path)
    (tmp_path / "secrets.json").write_text(json.dumps({"JWT_SECRET": "j", "FERNET_KEY": "f", "SECRET_KEY": "s"}))
    monkeypatch.setenv("ROSTERSYNC_METADATA_URL", "postgresql+psycopg2://airflow@db:5432/airflow")
    env = stack.production_env(stack.production_values("https://airflow.example.org"))
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+postgresql+psycopg2://airflow@db:5432/airflow"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("FabAuthManager")
    assert (
        env["AIRFLOW__API_AUTH__JWT_SECRET"] == "j" and env["AIRFLOW__API__BASE_URL"] == "https://airflow.example.org"
    )
    monkeypatch.delenv("ROSTERSYNC_METADATA_URL")
    with pytest.raises(SystemExit, match="ROSTERSYNC_METADATA_URL"):
        stack.production_values("https://airflow.example.org")
