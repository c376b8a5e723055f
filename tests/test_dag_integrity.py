"""The dags folder imports, one DAG per district config, with the eight gates in order."""

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import district_yaml

DAGS = Path(__file__).resolve().parents[1] / "dags"
TASKS = [
    "land_files",
    "format_check",
    "normalize",
    "expectations",
    "detect_holds",
    "approve",
    "apply_diff",
    "notify",
    "outcome",
]


def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_the_dags_folder_imports_with_one_dag_per_district(tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTERSYNC_CONFIG", str(tmp_path))
    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "data"))
    district_yaml(tmp_path, "alpha")
    district_yaml(tmp_path, "beta")
    bag = dagbag()
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == ["notify_accounts", "remind_approvers", "roster_sync__alpha", "roster_sync__beta"]
    assert not (tmp_path / "data").exists(), "parsing the DAGs must not touch the stores"


def test_each_dag_runs_the_gates_in_order_with_tags_docs_and_one_run_at_a_time(tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTERSYNC_CONFIG", str(tmp_path))
    district_yaml(tmp_path, "alpha")
    dag = dagbag().dags["roster_sync__alpha"]
    order = [t.task_id for t in dag.topological_sort()]
    assert order == TASKS
    for upstream, downstream in zip(TASKS, TASKS[1:], strict=False):
        assert downstream in dag.get_task(upstream).downstream_task_ids
    assert dag.max_active_runs == 1 and dag.catchup is False
    assert "rostersync" in dag.tags and dag.doc_md and "approve" in dag.doc_md
    assert dag.get_task("land_files").mode == "reschedule"
    assert str(dag.timetable.timezone) == "America/Los_Angeles"
    minute, hour = (int(x) for x in dag.timetable.expression.split()[:2])
    assert hour == 23 or hour == 0, "the default start is spread over 23:00-01:00 Pacific"


def test_notify_accounts_is_manual_and_asks_for_district_school_and_roles(tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTERSYNC_CONFIG", str(tmp_path))
    district_yaml(tmp_path, "alpha")
    district_yaml(tmp_path, "beta", queue="host_b")
    bag = dagbag()
    dag = bag.dags["notify_accounts"]
    assert type(dag.timetable).__name__ == "NullTimetable" and dag.max_active_runs == 1
    assert dag.tags and dag.doc_md and "never emailed twice" in " ".join(dag.doc_md.split())
    params = dag.params.dump()
    assert params["district"] == "alpha" and params["roles"] == ["teachers", "parents", "students"]
    assert dag.params.get_param("district").schema["enum"] == ["alpha", "beta"]
    tasks = {t.task_id: t.queue for t in dag.tasks}  # each district's welcomes run on its queue (its store)
    assert tasks == {"district": "default", "send_welcomes__alpha": "default", "send_welcomes__beta": "host_b"}
    sync = bag.dags["roster_sync__beta"]
    assert {t.queue for t in sync.tasks} == {"host_b"}
    reminders = {t.task_id: t.queue for t in bag.dags["remind_approvers"].tasks}
    assert reminders == {"remind__default": "default", "remind__host_b": "host_b"}


def test_the_repository_config_gives_the_demo_dag():
    assert "roster_sync__riverside" in dagbag().dag_ids


def broken(bag, district: str) -> str:
    """The docs of the placeholder DAG a district with a bad file gets (no import error for the others)."""
    assert bag.import_errors == {}
    dag = bag.dags[f"roster_sync__{district}"]
    assert "config-error" in dag.tags and [t.task_id for t in dag.tasks] == ["config_error"]
    assert type(dag.timetable).__name__ == "NullTimetable"
    return dag.doc_md


def test_a_bad_district_file_fails_only_its_own_district_naming_file_and_field(tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTERSYNC_CONFIG", str(tmp_path))
    district_yaml(tmp_path, "alpha")
    district_yaml(tmp_path, "broken", holds={"removal_shar": 0.2})
    district_yaml(tmp_path, "zeta")
    bag = dagbag()
    assert {"roster_sync__alpha", "roster_sync__zeta"} <= set(bag.dag_ids)
    assert "approve" in [t.task_id for t in bag.dags["roster_sync__zeta"].tasks]
    doc = broken(bag, "broken")
    assert "broken.yaml: field holds.removal_shar: unknown field; did you mean 'removal_share'" in doc


@pytest.mark.parametrize("field", ["admin_emails", "source"])
def test_a_missing_required_field_is_named(tmp_path, monkeypatch, field):
    monkeypatch.setenv("ROSTERSYNC_CONFIG", str(tmp_path))
    path = district_yaml(tmp_path, "partial")
    import yaml

    data = yaml.safe_load(path.read_text())
    del data[field]
    path.write_text(yaml.safe_dump(data))
    assert f"partial.yaml: field {field}: Field required" in broken(dagbag(), "partial")


@pytest.mark.parametrize(
    ("holds", "says"),
    [
        ({"removal_share": True}, "holds.removal_share: Input should be a valid number"),
        ({"removal_min_count": "5"}, "holds.removal_min_count: Input should be a valid integer"),
        ({"addition_share": 1.5}, "holds.addition_share: Input should be less than or equal to 1"),
    ],
)
def test_config_numbers_are_strict(tmp_path, monkeypatch, holds, says):
    monkeypatch.setenv("ROSTERSYNC_CONFIG", str(tmp_path))
    district_yaml(tmp_path, "strict", holds=holds)
    assert says in broken(dagbag(), "strict")


def test_an_unknown_timezone_is_refused_when_the_file_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTERSYNC_CONFIG", str(tmp_path))
    district_yaml(tmp_path, "tz", timezone="America/Los_Angles")
    assert "field timezone: Value error, 'America/Los_Angles' is not a known time zone" in broken(dagbag(), "tz")


def test_the_broken_districts_task_fails_with_the_config_error(tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTERSYNC_CONFIG", str(tmp_path))
    district_yaml(tmp_path, "broken", holds={"removal_shar": 0.2})
    dag = dagbag().dags["roster_sync__broken"]
    from rostersync.config import ConfigError

    with pytest.raises(ConfigError, match="removal_shar"):
        dag.get_task("config_error").python_callable()


def test_a_district_unpaused_just_after_its_nightly_slot_waits_for_the_next_one(tmp_path, monkeypatch):
    """Airflow's cron timetable runs the last slot at once when a DAG is unpaused within a tenth of a day
    of it: a district whose slot was half an hour ago would sync now, in the school day. The clock is
    Airflow's, set to half an hour after a 04:30 slot (the slot must be in the nightly window)."""
    from datetime import datetime, timedelta

    import airflow.timetables.trigger
    from airflow.serialization.encoders import coerce_to_core_timetable
    from airflow.timetables.base import TimeRestriction

    slot = datetime(2026, 11, 24, 4, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
    now = slot + timedelta(minutes=30)
    monkeypatch.setattr(airflow.timetables.trigger, "utcnow", lambda: now)
    monkeypatch.setenv("ROSTERSYNC_CONFIG", str(tmp_path))
    district_yaml(tmp_path, "alpha", start_time=slot.strftime("%H:%M"))
    dag = dagbag().dags["roster_sync__alpha"]
    assert dag.task_ids != ["config_error"]
    first = coerce_to_core_timetable(dag.timetable).next_dagrun_info(  # as the scheduler reads it
        last_automated_data_interval=None, restriction=TimeRestriction(earliest=None, latest=None, catchup=False)
    )
    assert first is not None and first.run_after == slot + timedelta(days=1), first
