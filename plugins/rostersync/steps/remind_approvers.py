"""remind_approvers: every district's gates that still wait after `reminder_after_hours` get their one
reminder email. Run by the `remind_approvers` DAG every 15 minutes, apart from the district runs, so that
a run ends as soon as its gate is answered and a gate parked for days still gets its reminder."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rostersync import notify, store
from rostersync.config import DistrictConfig
from rostersync.run import Run
from rostersync.steps import approve

log = logging.getLogger(__name__)

LOCK_WAIT_SECONDS = 5.0
"""A district whose store a sync is writing is not waited for: the next round tries again."""


@dataclass
class Reminded:
    reminded: dict[str, list[str]] = field(default_factory=dict)
    """district_id -> the runs whose approvers were reminded now."""
    busy: list[str] = field(default_factory=list)
    """Districts whose store a sync was writing: tried again next time."""
    failed: dict[str, str] = field(default_factory=dict)
    """District -> what went wrong (no SMTP connection, a refused email): the others are still reminded."""


def remind_all(
    configs: Iterable[DistrictConfig],
    smtp_for: Callable[[DistrictConfig], notify.SmtpSettings],
    now: datetime | None = None,
) -> Reminded:
    """`now`: naive UTC, like the store's timestamps (default: the present moment)."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    done = Reminded()
    for config in configs:
        if not config.reminder_after_hours or not store.roster_path(config.district_id).exists():
            continue  # no reminders wanted, or the district never ran
        since = now - timedelta(hours=config.response_timeout_hours)
        try:
            with store.connect(config.district_id, read_only=True, lock_wait=LOCK_WAIT_SECONDS) as conn:
                waiting = [run_id for (run_id,) in store.query(conn, "runs/select_open_gates", {"since": since})]
            for run_id in waiting:
                run = Run(config, run_id, smtp=smtp_for(config), lock_wait=LOCK_WAIT_SECONDS)
                if approve.remind_approvers(run, now=now):
                    done.reminded.setdefault(config.district_id, []).append(run_id)
        except store.RosterBusy:
            log.info("%s: a sync is writing its store; its reminders wait for the next round", config.district_id)
            done.busy.append(config.district_id)
        except Exception as error:  # one district's mail server or connection never stops the others
            log.warning("%s: reminders not sent: %s: %s", config.district_id, type(error).__name__, error)
            done.failed[config.district_id] = f"{type(error).__name__}: {error}"
    return done
