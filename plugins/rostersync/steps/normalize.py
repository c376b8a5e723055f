"""normalize: the checked files into the run's snapshot, read as the format check read them."""

from __future__ import annotations

import logging

from rostersync import reports, snapshot
from rostersync.run import Run

log = logging.getLogger(__name__)


def normalize(run: Run) -> snapshot.SnapshotCounts | None:
    if run.disconnected:
        return None
    checked = reports.read_format_report(run.reports)
    with run.store() as conn:
        counts = snapshot.normalize(
            conn, run.config.fmt, run.landing, run.run_id, checked_rows=checked.get("rows"), data_date=run.data_date
        )
    log.info("snapshot (data date %s): %s", run.data_date, counts.as_dict())
    return counts
