"""land_files: copy the district's SFTP upload (or pull Clever) into the run's landing folder."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from rostersync import clever, landing, plan, runs, store
from rostersync.run import Run

log = logging.getLogger(__name__)


def land_files(run: Run, remote: landing.Remote) -> landing.LandingResult:
    """Land an SFTP upload (or say which files are still being written)."""
    with run.store() as conn:
        last = runs.last_applied_upload(conn)
    source = run.config.sftp_source()
    result = landing.land_upload(
        remote,
        source.remote_path,
        run.config.fmt,
        run.landing,
        settle_seconds=source.settle_seconds,
        last_applied=last,
    )
    _offer_held_again(run, result)
    if result.waiting_on:
        log.info(
            "still being written, waiting: %s (settled in %.0f s)", ", ".join(result.waiting_on), result.settles_in
        )
    else:
        log.info(
            "landed %d files (upload sha256 %s) in %s", len(result.files), result.upload_sha256[:12], result.folder
        )
    return result


def land_clever(run: Run, base_url: str, token: str) -> landing.LandingResult:
    """Pull the district from Clever into the run's landing folder (a rerun replays the saved pages)."""
    source = run.config.clever_source()
    with run.store() as conn:
        last = runs.last_applied_upload(conn)

    def pull(folder) -> bool:
        pulled = clever.pull(base_url, token, folder, page_size=source.page_size, max_retries=source.max_retries)
        return not pulled.disconnected

    result = landing.land_pulled(run.landing, pull, last)
    _offer_held_again(run, result)
    if result.disconnected:
        log.warning("Clever refused the district token: the district is disconnected; nothing will be applied")
    else:
        log.info("landed %d Clever pages (sha256 %s)", len(result.files), result.upload_sha256[:12])
    return result


def _offer_held_again(run: Run, result: landing.LandingResult) -> None:
    """The upload last applied, again, is no new data: unless a school still waits for approval (not
    released, or timed out), which the run must offer again, or the district's controls changed since
    (a district unpaused, back from additive, new thresholds): the same files may now apply otherwise."""
    if not result.same_as_run:
        return
    with run.store(read_only=True) as conn:
        [(waiting,)] = store.query(conn, "runs/select_waiting_schools")
        [(settings,)] = store.query(conn, "runs/select_plan_settings", {"run_id": result.same_as_run})
    if waiting:
        log.info("same upload as run %s, but %d school(s) still on hold: planned again", result.same_as_run, waiting)
        result.same_as_run = None
    elif settings is not None and json.loads(settings) != json.loads(json.dumps(run.config.settings())):
        log.info("same upload as run %s, but the district's controls changed since: planned again", result.same_as_run)
        result.same_as_run = None


def warn_if_upload_old(run: Run, landed: landing.LandingResult) -> bool:
    """Email the admins once per upload when the files are WARN_AFTER_DAYS old or more (a district that
    stopped uploading: every run finds the same files). Past STALE_AFTER_DAYS a sync makes no removals."""
    if not landed.uploaded_at or not landed.upload_sha256 or landed.waiting_on or run.smtp is None:
        return False
    age = (time.time() - landed.uploaded_at) / 86400
    if age < plan.WARN_AFTER_DAYS:
        return False
    sha = landed.upload_sha256
    with run.store() as conn:
        [(warned,)] = store.query(conn, "landing/select_upload_warned", {"upload_sha256": sha})
    if warned:
        return False
    run.email_admins(
        "upload_overdue",
        age_days=age,
        uploaded_on=datetime.fromtimestamp(landed.uploaded_at, UTC).date().isoformat(),
        stale_after_days=plan.STALE_AFTER_DAYS,
        days_left=max(0, plan.STALE_AFTER_DAYS - age),
        same_files=bool(landed.same_as_run),
    )
    with run.store() as conn:
        store.execute(
            conn,
            "landing/insert_upload_warning",
            {"upload_sha256": sha, "age_days": age, "run_id": run.run_id, "warned_at": datetime.now(UTC)},
        )
    log.warning("the upload is %.0f days old: warned %d admin address(es)", age, len(run.config.admin_emails))
    return True
