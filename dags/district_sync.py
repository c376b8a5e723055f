"""One roster sync DAG per district config in config/districts/*.yaml (a table of contents, no logic)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import DAG, CronTriggerTimetable, Param, TriggerRule, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException
from rostersync import store, tasks
from rostersync.config import ConfigError, DistrictConfig, SftpSource, broken_dag_id, load_each
from rostersync.notify import smtp_settings
from rostersync.operators import LandFilesSensor, RosterApprovalOperator, build_config_error_dag, land_clever

DOC = """
### Roster sync for {name} (`{district_id}`)

Nightly at {start} {timezone}, from {source}. Each run passes these gates, in order:

1. **land_files**: copies the upload (SFTP files, or Clever's API pages) into
   `data/landing/{district_id}/<run>/` with a sha256 manifest. A missing required file fails the task
   and names it. An upload identical to the last applied one ends the run as *no new data*. Files 80
   days old or more get the admins one warning email per upload (at 90 days syncs stop removing).
2. **format_check**: every file, line and column against the format. Any error stops the run and emails
   the admins the list (and a CSV). *Fix*: ask the district to correct the export and upload again.
3. **normalize**: the files into the canonical snapshot tables in `data/{district_id}/roster.duckdb`.
4. **expectations**: Great Expectations suites (`expectations/*.json`) and record-level errors/alerts;
   reports in `data/reports/{district_id}/<run>/` (one CSV per error or alert type, per run and per
   school; GX results and failing rows under `expectations/`). A *fatal* expectation fails the run.
5. **detect_holds**: the plan (every create, update, removal) and the holds per school; writes the
   run's `summary.html` and one page per school, and emails the admins when a school is held.
6. **approve**: the approval gate. Waits for an approver only when a school is on hold (always on the
   first sync). *Approve* applies exactly the plan shown; *Reject* applies nothing for held schools
   (schools not on hold still apply).
7. **apply_diff**: the plan in one transaction, with a change log. Refuses if the roster moved since
   the plan was made: clear `detect_holds` and the tasks after it to recompute.
8. **notify**: the summary email to {admins}, with links to the reports.

Welcome emails to new accounts are sent per school by the manual DAG `notify_accounts`.
"""


def build_dag(config: DistrictConfig) -> DAG:
    start = config.nightly_start()
    with DAG(
        dag_id=config.dag_id,
        schedule=CronTriggerTimetable(f"{start.minute} {start.hour} * * *", timezone=config.timezone),
        catchup=False,  # with no start_date either: the first run is the next nightly slot, not a past one
        max_active_runs=1,
        tags=["rostersync", config.source.format, config.district_id],
        doc_md=DOC.format(
            name=config.name,
            district_id=config.district_id,
            start=start.strftime("%H:%M"),
            timezone=config.timezone,
            source=(
                f"SFTP ({config.source.format}); waits up to {config.source.wait_limit_minutes} min for files "
                "still being written"
                if isinstance(config.source, SftpSource)
                else "the Clever Data API v3 (a refused token holds every school as Disconnected)"
            ),
            admins=", ".join(config.admin_emails),
        ),
        default_args={"retries": 1, "retry_delay": timedelta(minutes=2)},
        params={
            "force_backfill": Param(
                False,
                type="boolean",
                description="Apply even though a run for a newer date is already applied (a backfill).",
            )
        },
    ) as dag:

        def run_id() -> str:
            return get_current_context()["run_id"]

        land: Any
        if isinstance(config.source, SftpSource):
            land = LandFilesSensor(
                task_id="land_files", config=config, doc_md="Land the SFTP upload; see the DAG docs."
            )
        else:

            @task(task_id="land_files", doc_md="Pull the district from Clever; see the DAG docs.")
            def land_from_clever() -> dict:
                return land_clever(config, run_id())

            land = land_from_clever()

        @task(retries=0, doc_md="Check the landed files against the format; emails the admins on errors.")
        def format_check() -> dict:
            checked = tasks.format_check(config, run_id(), smtp_settings(config.smtp_conn_id))
            if checked.get("no_change"):
                raise AirflowSkipException("no new data: the package is its manifest alone, every file absent")
            return checked

        @task
        def normalize() -> dict:
            return tasks.normalize(config, run_id(), get_current_context().get("logical_date"))

        @task(retries=0)
        def expectations() -> dict:
            return tasks.expectations(config, run_id())

        @task(doc_md="Compute the plan and the holds per school.")
        def detect_holds() -> dict:
            return tasks.detect_holds(config, run_id(), smtp_settings(config.smtp_conn_id))

        approve = RosterApprovalOperator(
            task_id="approve",
            config=config,
            retries=0,
            doc_md="Approve or reject the plan. The body lists each school on hold and its changes.",
        )

        @task(doc_md="Apply the approved plan in one transaction; a retry never applies twice.")
        def apply_diff() -> dict:
            context = get_current_context()
            data_date = context.get("logical_date") or context["dag_run"].run_after
            return tasks.apply_diff(config, run_id(), data_date, bool(context["params"]["force_backfill"]))

        # NONE_FAILED: it also runs after a skipped apply, and skips itself when there was no new data.
        @task(trigger_rule=TriggerRule.NONE_FAILED, doc_md="Email the admins what was applied or rejected.")
        def notify() -> dict:
            sent = tasks.notify_admins(config, run_id(), smtp_settings(config.smtp_conn_id))
            if sent is None:
                raise AirflowSkipException("no new data: nothing was applied, so no email")
            return sent

        land >> format_check() >> normalize() >> expectations() >> detect_holds() >> approve
        approve >> apply_diff() >> notify()
    return dag


for _path, _config in load_each(store.config_dir()):
    if isinstance(_config, ConfigError):  # this district only: the others still get their DAGs
        _dag = build_config_error_dag(broken_dag_id(_path), _config)
    else:
        _dag = build_dag(_config)
    globals()[_dag.dag_id] = _dag
