"""What the Rosters pages read from Airflow's metadata DB (runs, the gate waiting, the next run) and the
one thing they write: a notify_accounts run. Ids, states and dates only: no roster data lives here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

GATE_TASK = "approve"


@dataclass
class DagState:
    dag_id: str
    paused: bool | None = None
    """None: Airflow has not parsed the DAG (yet)."""
    next_run: datetime | None = None
    last_run_id: str | None = None
    last_run_state: str | None = None
    last_run_at: datetime | None = None
    waiting_run_id: str | None = None
    """A run whose gate waits for an answer."""


def ui_url(base: str, *parts: str) -> str:
    """A page of Airflow's UI (e.g. a run): `base` is Airflow's root URL, parts are quoted."""
    return base.rstrip("/") + "/" + "/".join(quote(p, safe="") for p in parts)


def run_link(base: str, dag_id: str, run_id: str) -> str:
    return ui_url(base, "dags", dag_id, "runs", run_id)


def gate_link(base: str, dag_id: str, run_id: str) -> str:
    """The gate's Required Action page, as HITLOperator links it."""
    return ui_url(base, "dags", dag_id, "runs", run_id, "tasks", GATE_TASK, "required_actions")


def dag_states(dag_ids: list[str]) -> dict[str, DagState]:
    from airflow.models.dag import DagModel
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import func, select

    states = {dag: DagState(dag) for dag in dag_ids}
    if not dag_ids:
        return states
    with create_session() as session:
        for dag, paused, next_run in session.execute(
            select(DagModel.dag_id, DagModel.is_paused, DagModel.next_dagrun_create_after).where(
                DagModel.dag_id.in_(dag_ids)
            )
        ):
            states[dag].paused, states[dag].next_run = paused, next_run
        newest = (
            select(DagRun.dag_id, func.max(DagRun.run_after).label("run_after"))
            .where(DagRun.dag_id.in_(dag_ids))
            .group_by(DagRun.dag_id)
            .subquery()
        )
        latest = select(DagRun.dag_id, DagRun.run_id, DagRun.state, DagRun.run_after).join(
            newest, (DagRun.dag_id == newest.c.dag_id) & (DagRun.run_after == newest.c.run_after)
        )
        for dag, run_id, state, run_after in session.execute(latest):  # one row per DAG (two on a tie)
            states[dag].last_run_id, states[dag].last_run_state, states[dag].last_run_at = run_id, state, run_after
        waiting = select(TaskInstance.dag_id, TaskInstance.run_id).where(
            TaskInstance.dag_id.in_(dag_ids),
            TaskInstance.task_id == GATE_TASK,
            TaskInstance.state == TaskInstanceState.AWAITING_INPUT,
        )
        for dag, run_id in session.execute(waiting):
            states[dag].waiting_run_id = run_id
    return states


def dag_run(dag_id: str, run_id: str) -> tuple[str | None, dict[str, Any]] | None:
    """(state, conf) of one run, or None."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        row = session.execute(
            select(DagRun.state, DagRun.conf).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
        ).first()
    return (row[0], dict(row[1] or {})) if row else None


class CannotTrigger(RuntimeError):
    """Airflow would not start the run (the DAG is missing or paused)."""


def trigger(dag_id: str, conf: dict[str, Any], user: str) -> str:
    """Start a manual run of `dag_id` with `conf`, as `user` (the UI's trigger button does the same)."""
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from airflow.utils.types import DagRunTriggeredByType

    with create_session() as session:
        model = DagModel.get_current(dag_id, session=session)
        if model is None:
            raise CannotTrigger(f"Airflow has not loaded the {dag_id} DAG: check its import errors.")
        if model.is_paused:
            raise CannotTrigger(f"The {dag_id} DAG is paused: unpause it in Airflow, then send again.")
        run = trigger_dag(
            dag_id, triggered_by=DagRunTriggeredByType.UI, triggering_user_name=user, conf=conf, session=session
        )
        if run is None:
            raise CannotTrigger(f"Airflow did not start a {dag_id} run.")
        return str(run.run_id)
