"""notify_accounts: a manual DAG that sends the welcome emails of one school (a table of contents, no logic)."""

from __future__ import annotations

from airflow.sdk import DAG, Param, get_current_context, task
from rostersync import store
from rostersync.config import load_valid_districts
from rostersync.notify import smtp_settings
from rostersync.run import Run
from rostersync.steps.notify_accounts import notify_accounts
from rostersync.welcome import ROLES

DISTRICTS = {config.district_id: config for config in load_valid_districts(store.config_dir())}

with DAG(
    dag_id="notify_accounts",
    schedule=None,
    catchup=False,
    max_active_runs=1,
    tags=["rostersync", "notify"],
    doc_md="""
### Welcome emails for one school

Trigger it with a district, a school (its roster id, as in the sync summary) and the roles to tell.
Each **new** account of that school (created by a sync, not claimed yet) gets one welcome email:
teachers first, since their classes wait for them, then parents, then students. An account is never
emailed twice: a rerun sends only to those not yet notified. Accounts without an email address are
listed in `data/reports/<district>/<this run>/welcome_not_sent.csv`; they do not fail the run.

*If it fails*: an unknown school names the roster's school ids; a mail server that is down fails the
task after the emails already sent were recorded, so clearing the task resumes where it stopped.
""",
    params={
        "district": Param(
            next(iter(sorted(DISTRICTS)), ""),
            type="string",
            description="The district (its config file's district_id).",
            **({"enum": sorted(DISTRICTS)} if DISTRICTS else {}),  # type: ignore[arg-type]
        ),
        "school": Param("", type="string", minLength=1, description="The school's roster id."),
        "roles": Param(
            list(ROLES),
            type="array",
            items={"type": "string", "enum": list(ROLES)},
            minItems=1,
            description="Who to welcome: teachers, parents, students.",
        ),
    },
) as dag:

    @task.branch(doc_md="Route to the district's task: it runs on the district's queue, where its store is.")
    def district() -> str:
        chosen = get_current_context()["params"]["district"]
        if chosen not in DISTRICTS:
            raise ValueError(
                f"no district {chosen!r} is configured; districts: {', '.join(sorted(DISTRICTS)) or 'none'}"
            )
        return f"send_welcomes__{chosen}"

    @task(retries=0, doc_md="Send the welcome emails; see the DAG docs.")
    def send_welcomes(district_id: str) -> dict:
        context = get_current_context()
        params = context["params"]
        if params["district"] != district_id:  # a sibling cleared by hand: never another district's store
            raise ValueError(f"this run is for district {params['district']!r}, not {district_id!r}: nothing sent")
        config = DISTRICTS[district_id]
        run = Run(config, context["run_id"], smtp=smtp_settings(config.smtp_conn_id))
        return notify_accounts(run, params["school"], list(params["roles"])).as_dict()

    chosen = district()
    for district_id, config in sorted(DISTRICTS.items()):
        chosen >> send_welcomes.override(task_id=f"send_welcomes__{district_id}", queue=config.queue)(district_id)
