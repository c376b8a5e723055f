"""One roster sync DAG per district config in config/districts/*.yaml (a table of contents, no logic)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from airflow.sdk import DAG, CronTriggerTimetable, Param, TriggerRule, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException
from rostersync import markdown as md
from rostersync import steps, store
from rostersync.config import ConfigError, DistrictConfig, SftpSource, broken_dag_id, load_each
from rostersync.notify import smtp_settings
from rostersync.operators import (
    LandFilesSensor,
    RosterApprovalOperator,
    build_config_error_dag,
    land_clever,
)
from rostersync.run import Run

DOC = """
### Roster sync for {name} (`{district_id}`)

Nightly at {start} {timezone}, from {source}. Each run passes these gates, in order:

1. **land_files**: copies the upload (SFTP files, or Clever's API pages) into
   `data/landing/{district_id}/<run>/` with a sha256 manifest. A missing required file fails the task
   and names it. An upload identical to the last applied one ends the run as *no new data*. Files 80
   days old or more get the admins one warning email per upload (at 90 days syncs stop removing).
2. **format_check**: every file, line and column against the format. Any error stops the run and emails
   the admins the list (and a CSV). *Fix*: ask the district to correct the export and upload again.
3. **normalize**: the files into the canonical snapshot tables in the district's store (`roster.duckdb`).
4. **expectations**: Great Expectations suites (`expectations/*.json`) and record-level errors/alerts;
   reports in `data/reports/{district_id}/<run>/` (one CSV per error or alert type, per run and per
   school; GX results and failing rows under `expectations/`). A *fatal* expectation fails the run.
5. **detect_holds**: the plan (every create, update, removal) and the holds per school; writes the
   run's `summary.html` and one page per school, and emails the admins when a school is held.
6. **approve**: the approval gate. Waits for an approver only when a school is on hold (always on a
   school's first sync). *Approve* releases every held school, *Reject* none, or the held schools can
   be released one by one (with a reason); a school not released stays held and is offered again at
   the next run. Schools not on hold apply either way. The approvers ({approvers}) get an email with a
   link when it waits, one reminder after {reminder} h (the `remind_approvers` DAG); unanswered after
   {timeout} h nothing held is applied and the admins are told.
7. **apply_diff**: the plan in one transaction, with a change log. Refuses if the roster moved since
   the plan was made: clear `detect_holds` and the tasks after it to recompute.
8. **notify**: the summary email to {admins}, with links to the reports.
9. **outcome**: succeeds when every change of the run applied; *skipped*, with the reason in its log,
   when a school stays on hold (rejected, partly released, approval timed out, paused, disconnected).

**Controls** (from the district YAML, read at each parse; each run records them): {controls}.

Welcome emails to new accounts are sent per school by the manual DAG `notify_accounts`.
"""


def build_dag(config: DistrictConfig) -> DAG:
    start = config.nightly_start()
    with DAG(
        dag_id=config.dag_id,
        # The first run is the next nightly slot, never a past one: without run_immediately=0 Airflow runs
        # the last slot at once when a DAG is unpaused within a tenth of a day of it (a sync at 9 am).
        schedule=CronTriggerTimetable(
            f"{start.minute} {start.hour} * * *", timezone=config.timezone, run_immediately=timedelta(0)
        ),
        catchup=False,
        max_active_runs=1,
        tags=["rostersync", config.source.format, config.district_id],
        doc_md=DOC.format(
            name=md.text(config.name),
            district_id=config.district_id,
            start=start.strftime("%H:%M"),
            timezone=config.timezone,
            source=(
                f"SFTP ({config.source.format}); waits up to {config.source.wait_limit_minutes} min for files "
                "still being written"
                if isinstance(config.source, SftpSource)
                else "the Clever Data API v3 (a refused token holds every school as Disconnected)"
            ),
            admins=md.text(", ".join(config.admin_emails)),
            approvers=md.text(", ".join([*config.approvers, *config.approver_emails]) or "anyone who may answer"),
            reminder=config.reminder_after_hours,
            timeout=config.response_timeout_hours,
            controls=md.text(config.controls()),
        ),
        default_args={"retries": 1, "retry_delay": timedelta(minutes=2), "queue": config.queue},
        params={
            "force_backfill": Param(
                False,
                type=["boolean", "null"],
                description="Apply even though a run for a newer date is already applied (a backfill).",
            )
        },
    ) as dag:

        def this_run(email: bool = False) -> Run:
            context = get_current_context()
            smtp = smtp_settings(config.smtp_conn_id) if email else None
            return Run(config, context["run_id"], context.get("logical_date"), smtp)

        land: Any
        if isinstance(config.source, SftpSource):
            land = LandFilesSensor(
                task_id="land_files", config=config, doc_md="Land the SFTP upload; see the DAG docs."
            )
        else:

            @task(task_id="land_files", doc_md="Pull the district from Clever; see the DAG docs.")
            def land_from_clever() -> dict:
                return land_clever(config, this_run().run_id)

            land = land_from_clever()

        @task(retries=0, doc_md="Check the landed files against the format; emails the admins on errors.")
        def format_check() -> dict:
            checked = steps.format_check.format_check(this_run(email=True))
            if checked.no_change:
                raise AirflowSkipException("no new data: the package is its manifest alone, every file absent")
            return asdict(checked)

        @task
        def normalize() -> dict:
            counts = steps.normalize.normalize(this_run())
            return counts.as_dict() if counts else {}

        @task(retries=0)
        def expectations() -> dict:
            return asdict(steps.expectations.expectations(this_run()))

        @task(doc_md="Compute the plan and the holds per school.")
        def detect_holds() -> dict:
            return asdict(steps.detect_holds.detect_holds(this_run(email=True)))

        approve = RosterApprovalOperator(
            task_id="approve",
            config=config,
            retries=0,
            doc_md="Approve or reject the plan. The body lists each school on hold and its changes.",
        )

        @task(doc_md="Apply the approved plan in one transaction; a retry never applies twice.")
        def apply_diff() -> dict:
            force = bool(get_current_context()["params"]["force_backfill"])
            return asdict(steps.apply_diff.apply_diff(this_run(), force))

        # NONE_FAILED: it also runs after a skipped apply, and skips itself when there was no new data.
        @task(trigger_rule=TriggerRule.NONE_FAILED, doc_md="Email the admins what was applied or rejected.")
        def notify() -> dict:
            sent = steps.notify.notify_admins(this_run(email=True))
            if sent is None:
                raise AirflowSkipException("no new data: nothing was applied, so no email")
            return asdict(sent)

        # Skipped (not green) when the run kept a school on hold: rejected, partly released, timed out.
        @task(trigger_rule=TriggerRule.NONE_FAILED, doc_md="The run's ending: skipped if a school stays on hold.")
        def outcome() -> dict:
            ended = steps.outcome.outcome(this_run())
            if ended is None:
                raise AirflowSkipException("nothing was applied by this run")
            if not ended.all_applied:
                raise AirflowSkipException(ended.message)
            return asdict(ended)

        planned = land >> format_check() >> normalize() >> expectations() >> detect_holds()
        planned >> approve >> apply_diff() >> notify() >> outcome()
    return dag


for _path, _config in load_each(store.config_dir()):
    if isinstance(_config, ConfigError):  # this district only: the others still get their DAGs
        _dag = build_config_error_dag(broken_dag_id(_path), _config)
    else:
        _dag = build_dag(_config)
    globals()[_dag.dag_id] = _dag
