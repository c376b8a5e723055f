"""Answer an Airflow approval gate from a helper thread, the way the REST API's PATCH .../hitlDetails does.

`dag.test()` parks at a human-in-the-loop task until someone answers. This mirrors
airflow/api_fastapi/core_api/routes/public/hitl.py `update_hitl_detail`; it leans on Airflow internals,
so it lives here and nowhere else.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class GateAnswerer(threading.Thread):
    def __init__(
        self,
        dag_id: str,
        option: str | list[str] | Callable[[list[str]], list[str]],
        user: str = "approver",
        task_id: str = "approve",
        timeout: float = 240,
        params: dict | None = None,
        time_out: bool = False,
    ):
        """`option`: what the approver chooses: one option, several, or a function of the options the gate
        offers (the schools' options are only known once it waits). `params`: the form's fields.
        `time_out`: nobody answers; the gate gets the event Airflow's HITL trigger sends when the task's
        response_timeout passes (the triggerer's side of a timeout, which dag.test() does not run)."""
        super().__init__(name="gate-answerer", daemon=True)
        self.dag_id, self.option, self.user, self.task_id, self.timeout = (
            dag_id,
            option,
            user,
            task_id,
            timeout,
        )
        self.params = params or {}
        self.time_out = time_out
        self.options: list[str] = []
        self.answered_run: str | None = None
        self.error: BaseException | None = None
        self._stop_event = threading.Event()
        # Configure SQLAlchemy's mappers in the main thread, or the two threads deadlock doing it.
        from airflow.models import import_all_models
        from sqlalchemy.orm import configure_mappers

        import_all_models()
        configure_mappers()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        try:
            self._answer()
        except BaseException as exc:  # reported by the test through .error
            self.error = exc

    def _answer(self) -> None:
        from airflow.models.hitl import HITLDetail
        from airflow.models.taskinstance import TaskInstance
        from airflow.models.trigger import handle_event_submit
        from airflow.sdk import timezone
        from airflow.triggers.base import TriggerEvent
        from airflow.utils.session import create_session
        from airflow.utils.state import TaskInstanceState
        from sqlalchemy import select

        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline and not self._stop_event.is_set():
            with create_session() as session:
                ti = session.scalars(
                    select(TaskInstance).where(
                        TaskInstance.dag_id == self.dag_id,
                        TaskInstance.task_id == self.task_id,
                        TaskInstance.state == TaskInstanceState.AWAITING_INPUT,
                    )
                ).first()
                if ti is not None:
                    detail = session.scalar(select(HITLDetail).where(HITLDetail.ti_id == ti.id))
                    if detail is None:  # the task is parked but its detail not yet written
                        continue
                    detail.responded_by = {"id": self.user, "name": self.user}
                    detail.responded_at = timezone.utcnow()
                    self.options = list(detail.options)
                    if self.time_out:
                        error = {"error": "The timeout has passed.", "error_type": "timeout"}
                        handle_event_submit(TriggerEvent(error), task_instance=ti, session=session)
                        self.answered_run = ti.run_id
                        self.subject, self.body = detail.subject, detail.body
                        return
                    if callable(self.option):
                        chosen = self.option(self.options)
                    else:
                        chosen = [self.option] if isinstance(self.option, str) else list(self.option)
                    detail.chosen_options = chosen
                    detail.params_input = self.params
                    session.add(detail)
                    handle_event_submit(
                        TriggerEvent(detail.as_resume_event_payload()), task_instance=ti, session=session
                    )
                    self.answered_run = ti.run_id
                    self.subject, self.body = detail.subject, detail.body
                    return
            time.sleep(0.5)
