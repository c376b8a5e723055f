"""remind_approvers: every 15 minutes, the one reminder to the approvers of each gate still waiting after
its district's reminder_after_hours (a table of contents, no logic)."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import DAG, CronTriggerTimetable, task
from rostersync import store
from rostersync.config import load_valid_districts
from rostersync.notify import smtp_settings
from rostersync.steps.remind_approvers import remind_all

with DAG(
    dag_id="remind_approvers",
    schedule=CronTriggerTimetable("*/15 * * * *", timezone="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=14),
    tags=["rostersync", "notify"],
    doc_md="""
### One reminder per waiting gate

Every 15 minutes: each district's approval gates that still wait `reminder_after_hours` (default 24)
after they opened get one reminder email to the approvers, with the link to the Required Action. A
gate is never reminded twice; a district whose sync is writing its store is tried at the next round.
It runs apart from the district DAGs so that a run ends as soon as its gate is answered. One task per
Celery queue: each reads the stores of the districts on its queue, on that queue's worker host.
""",
) as dag:

    @task(retries=1, retry_delay=timedelta(minutes=2), doc_md="Remind the approvers of gates still waiting.")
    def remind(queue: str) -> dict:
        configs = load_valid_districts(store.config_dir())  # the YAML as it is now, not at parse time
        mine = [config for config in configs if config.queue == queue]  # the stores on this queue's host
        done = remind_all(mine, lambda config: smtp_settings(config.smtp_conn_id))
        if done.failed:  # after every other district had its turn; a retry never reminds twice
            raise RuntimeError(f"reminders failed for {sorted(done.failed)}: {done.failed}")
        return {"reminded": done.reminded, "busy": done.busy}

    for queue in sorted({config.queue for config in load_valid_districts(store.config_dir())} | {"default"}):
        remind.override(task_id=f"remind__{queue}", queue=queue)(queue)
