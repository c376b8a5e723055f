"""The Airflow adapters: the two tasks that need more than a plain function.

`LandFilesSensor` waits (in reschedule mode) for an upload that is still being written, and ends the
run early when the upload is the one last applied. `RosterApprovalOperator` is the standard
`ApprovalOperator` with its subject and body rendered from the frozen plan, skipping the wait when
nothing is on hold, and storing the answer with the run for apply_diff to read.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.providers.sftp.hooks.sftp import SFTPHook
from airflow.providers.standard.operators.hitl import HITLOperator
from airflow.sdk import BaseSensorOperator, PokeReturnValue
from airflow.sdk.exceptions import AirflowSensorTimeout, AirflowSkipException

from rostersync.config import ConfigError, DistrictConfig
from rostersync.landing import LandingResult
from rostersync.notify import smtp_settings
from rostersync.run import Run
from rostersync.steps import approve, land_files


class LandFilesSensor(BaseSensorOperator):
    """Land the district's upload into its run folder once every file has settled."""

    def __init__(self, *, config: DistrictConfig, **kwargs: Any) -> None:
        source = config.sftp_source()
        self.source = source
        kwargs.setdefault("mode", "reschedule")
        kwargs.setdefault("poke_interval", source.poke_interval_seconds)
        kwargs.setdefault("timeout", source.wait_limit_minutes * 60)
        super().__init__(**kwargs)
        self.config = config
        self._waiting_on: list[str] = []

    def poke(self, context: Any) -> PokeReturnValue:
        hook = SFTPHook(ssh_conn_id=self.config.source.conn_id)
        try:
            result = land_files.land_files(Run(self.config, context["run_id"]), hook)
        finally:
            hook.close_conn()
        self._waiting_on = result.waiting_on
        if result.waiting_on:
            # Look again when the files should have settled, not a whole poke interval later.
            self.poke_interval = max(5.0, min(float(self.source.poke_interval_seconds), result.settles_in + 1))
            return PokeReturnValue(is_done=False)
        return PokeReturnValue(is_done=True, xcom_value=result.as_dict())

    def timeout_message(self) -> str:
        """What the task says when the upload kept changing past the wait: which files, and the rule."""
        return (
            f"gave up after {self.source.wait_limit_minutes} min: still being written: "
            f"{', '.join(self._waiting_on) or 'unknown'} (each file must be unchanged for "
            f"{self.source.settle_seconds} s)"
        )

    def execute(self, context: Any) -> Any:
        try:
            landed = super().execute(context)
        except AirflowSensorTimeout:
            raise AirflowSensorTimeout(self.timeout_message()) from None
        run = Run(self.config, context["run_id"], smtp=smtp_settings(self.config.smtp_conn_id))
        land_files.warn_if_upload_old(run, LandingResult(**landed))
        return skip_if_unchanged(landed)


def skip_if_unchanged(landed: dict) -> dict:
    """End the run as "no new data" (every later task skipped) when the upload is the one last applied."""
    if landed and landed.get("same_as_run"):
        raise AirflowSkipException(
            f"no new data: the upload is byte-for-byte the one applied by run {landed['same_as_run']}"
        )
    return landed


def land_clever(config: DistrictConfig, run_id: str) -> dict:
    """land_files for a Clever district: the base URL and the token come from its Airflow HTTP connection."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(config.source.conn_id)
    landed = land_files.land_clever(Run(config, run_id), clever_base_url(conn), conn.password or "")
    return skip_if_unchanged(landed.as_dict())


def clever_base_url(conn: Any) -> str:
    """The API's base URL from an HTTP connection: its host when that is a URL, else scheme://host:port
    (https unless the connection's schema says otherwise)."""
    host = conn.host or ""
    if "://" in host:
        return host
    return f"{conn.schema or 'https'}://{host}" + (f":{conn.port}" if conn.port else "")


class RosterApprovalOperator(HITLOperator):
    """The gate: Approve (every held school), Reject (none), or held schools one by one, with a reason.
    Does not wait when no school is on hold; tells the approvers when it does; a gate nobody answers
    within the district's response_timeout_hours keeps its schools held (and the admins are told)."""

    APPROVE, REJECT = approve.APPROVE, approve.REJECT

    def __init__(self, *, config: DistrictConfig, **kwargs: Any) -> None:
        from airflow.sdk import Param

        assigned: Any = [{"id": user, "name": user} for user in config.approvers] or None
        kwargs.pop("params", None)  # the DAG's (force_backfill): Airflow passes them, but they are not the gate's
        super().__init__(
            subject="Roster changes",
            body=None,
            options=[approve.APPROVE, approve.REJECT],
            multiple=True,
            params={  # the form: a reason, free text
                "reason": Param(
                    None,
                    type=["null", "string"],
                    maxLength=approve.REASON_MAX,
                    description="Why (kept with the run; seen by the admins)",
                )
            },
            assigned_users=assigned,
            response_timeout=timedelta(hours=config.response_timeout_hours),
            **kwargs,
        )
        self.config = config

    def execute(self, context: Any) -> Any:
        run = Run(self.config, context["run_id"], smtp=smtp_settings(self.config.smtp_conn_id))
        opened = approve.open_gate(run)
        if not opened.needed:
            self.log.info("No school is on hold and this is not a first sync: no approval needed.")
            return {"chosen_options": [approve.APPROVE], "auto_approved": True}
        self.subject, self.body, self.options = opened.subject, opened.body, opened.options
        try:
            link = self.generate_link_to_ui_from_context(context=context)
        except ValueError:  # no [api] base_url: the email says where to look without a link
            link = None
        try:
            approve.tell_approvers(run, link)
        except Exception as error:  # the gate opens without the email: a mail server down must not stop the run
            self.log.warning("the approvers could not be emailed (%s: %s); the gate waits", type(error).__name__, error)
        return super().execute(context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        run = Run(self.config, context["run_id"], smtp=smtp_settings(self.config.smtp_conn_id))
        if event.get("error_type") == "timeout":
            approve.record_timeout(run)
            return {"chosen_options": [], "timed_out": True}
        self.options = approve.offered_options(run)  # the options of this run's gate, not the DAG file's
        # HITLOperator's: a Reject must not skip apply_diff, which still applies the schools not on hold.
        answer = HITLOperator.execute_complete(self, context, event)
        user = answer.get("responded_by_user") or {}
        approve.record_answer(
            run,
            list(answer["chosen_options"]),
            (user.get("id") or user.get("name")) if isinstance(user, dict) else str(user),
            answer.get("responded_at"),
            (answer.get("params_input") or {}).get("reason"),
        )
        return answer


def build_config_error_dag(dag_id: str, error: ConfigError) -> Any:
    """What a district whose file cannot be read shows in Airflow: a DAG of its own id, tagged
    config-error, whose docs and only task say the file and the field (never scheduled)."""
    from airflow.sdk import DAG, task

    from rostersync import markdown

    lines = [markdown.code(line) for line in str(error).splitlines()]
    with DAG(
        dag_id=dag_id,
        schedule=None,
        catchup=False,
        tags=["rostersync", "config-error"],
        doc_md="### This district's config file cannot be used\n\n"
        + "\n".join(f"- {line}" for line in lines)
        + "\n\nFix the file: this DAG becomes the district's sync at the next parse. Other districts are unaffected.",
    ) as dag:

        @task(task_id="config_error", retries=0)
        def config_error() -> None:
            raise ConfigError(str(error))

        config_error()
    return dag
