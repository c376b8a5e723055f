"""One function per DAG task: open the district's store, run the gate's function, return a small dict.

Each takes the district config and the Airflow run id, reads what earlier tasks left in the
district's store and folders, and returns counts and ids only (it becomes XCom and task logs).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from rostersync import (
    apply,
    clever,
    gate,
    holds,
    landing,
    notify,
    plan,
    quality,
    reports,
    runs,
    snapshot,
    store,
    welcome,
)
from rostersync.config import DistrictConfig
from rostersync.format_check import FormatCheckFailed, check_folder
from rostersync.formats import get_format

log = logging.getLogger(__name__)


def _email_admins(
    smtp: notify.SmtpSettings,
    config: DistrictConfig,
    run_id: str,
    template: str,
    attachments: tuple[Path, ...] = (),
    purpose: str | None = None,
    **context: Any,
) -> bool:
    """One email from include/templates to the district's admins; every template knows the district
    and the links to the run's reports. Sent once per run and purpose (default: the template): a
    cleared and rerun task, or a retry, does not send it again. Returns whether it was sent now."""
    purpose = purpose or template
    with store.connect(config.district_id) as conn:
        state = runs.email_state(conn, run_id, purpose)
        if state is None:
            runs.record_email(conn, run_id, purpose, "sending")
    if state is not None:
        log.info("the %s email of this run was %s before: not sent again", purpose, state)
        return False
    email = notify.render(
        template,
        config.admin_emails,
        attachments,
        district=config.name,
        district_id=config.district_id,
        run_id=run_id,
        reports=report_links(config, run_id),
        **context,
    )
    try:
        notify.send(smtp, email)
    except notify.SentButUnconfirmed as unconfirmed:
        log.warning("the %s email: %s; recorded as sent, never sent twice", purpose, unconfirmed)
    except BaseException:
        with store.connect(config.district_id) as conn:
            runs.record_email(conn, run_id, purpose, None)  # refused before it was accepted: a retry sends it
        raise
    with store.connect(config.district_id) as conn:
        runs.record_email(conn, run_id, purpose, "sent")
    return True


def report_links(config: DistrictConfig, run_id: str) -> dict[str, Any]:
    """Links to the run's reports that exist: summary page, destructive changes, issue CSVs."""
    folder = store.reports_dir(config.district_id, run_id)

    def link(path: Path) -> str | None:
        return reports.link(path) if path.exists() else None

    return {
        "summary": link(folder / "summary.html"),
        "destructive": link(folder / "destructive_changes.csv"),
        "format_errors": link(folder / "format_errors.csv"),
        "issues": {p.stem.removeprefix("issues_"): reports.link(p) for p in sorted(folder.glob("issues_*.csv"))},
    }


def _write_summaries(config: DistrictConfig, conn: duckdb.DuckDBPyConnection, run_id: str, **page: Any) -> Path:
    return reports.write_summaries(
        conn,
        run_id,
        store.reports_dir(config.district_id, run_id),
        quality.RECORD_CATALOGUE,
        district=config.name,
        district_id=config.district_id,
        **page,
    )


def land(config: DistrictConfig, run_id: str, remote: landing.Remote) -> landing.LandingResult:
    """Land an SFTP upload (or say which files are still being written)."""
    with store.connect(config.district_id) as conn:
        last = runs.last_applied_upload(conn)
    source = config.sftp_source()
    result = landing.land_upload(
        remote,
        source.remote_path,
        get_format(source.format),
        store.landing_dir(config.district_id, run_id),
        settle_seconds=source.settle_seconds,
        last_applied=last,
    )
    if result.waiting_on:
        log.info("still being written, waiting: %s", ", ".join(result.waiting_on))
    else:
        log.info(
            "landed %d files (upload sha256 %s) in %s",
            len(result.files),
            result.upload_sha256[:12],
            result.folder,
        )
    return result


def warn_if_upload_old(config: DistrictConfig, run_id: str, landed: dict, smtp: notify.SmtpSettings | None) -> bool:
    """Email the admins once per upload when the files are WARN_AFTER_DAYS old or more (a district that
    stopped uploading: every run finds the same files). Past STALE_AFTER_DAYS a sync makes no removals."""
    uploaded_at, sha = landed.get("uploaded_at"), landed.get("upload_sha256")
    if not uploaded_at or not sha or landed.get("waiting_on"):
        return False
    age = (time.time() - uploaded_at) / 86400
    if age < plan.WARN_AFTER_DAYS:
        return False
    with store.connect(config.district_id) as conn:
        [(warned,)] = store.query(conn, "landing/select_upload_warned", {"upload_sha256": sha})
    if warned or smtp is None:
        return False
    _email_admins(
        smtp,
        config,
        run_id,
        "upload_overdue",
        age_days=age,
        uploaded_on=datetime.fromtimestamp(uploaded_at, UTC).date().isoformat(),
        stale_after_days=plan.STALE_AFTER_DAYS,
        days_left=max(0, plan.STALE_AFTER_DAYS - age),
        same_files=bool(landed.get("same_as_run")),
    )
    with store.connect(config.district_id) as conn:
        store.execute(
            conn,
            "landing/insert_upload_warning",
            {"upload_sha256": sha, "age_days": age, "run_id": run_id, "warned_at": datetime.now(UTC)},
        )
    log.warning("the upload is %.0f days old: warned %d admin address(es)", age, len(config.admin_emails))
    return True


def land_clever(config: DistrictConfig, run_id: str, base_url: str, token: str) -> landing.LandingResult:
    """Pull the district from Clever into the run's landing folder (a rerun replays the saved pages)."""
    source = config.clever_source()
    with store.connect(config.district_id) as conn:
        last = runs.last_applied_upload(conn)

    def pull(folder) -> bool:
        pulled = clever.pull(base_url, token, folder, page_size=source.page_size, max_retries=source.max_retries)
        return not pulled.disconnected

    result = landing.land_pulled(store.landing_dir(config.district_id, run_id), pull, last)
    if result.disconnected:
        log.warning("Clever refused the district token: the district is disconnected; nothing will be applied")
    else:
        log.info("landed %d Clever pages (sha256 %s)", len(result.files), result.upload_sha256[:12])
    return result


def _disconnected(config: DistrictConfig, run_id: str) -> bool:
    return bool(_manifest(config, run_id).get("disconnected"))


def format_check(config: DistrictConfig, run_id: str, smtp: notify.SmtpSettings | None) -> dict:
    """Check the landed files; on any error, email the admin the catalogue entries and fail."""
    if _disconnected(config, run_id):
        log.info("disconnected: nothing was pulled, nothing to check")
        return {"rows": {}}
    fmt = get_format(config.source.format)
    report = check_folder(fmt, store.landing_dir(config.district_id, run_id))
    folder = store.reports_dir(config.district_id, run_id)
    reports.write_format_report(report, folder)
    if report.ok:
        log.info(report.summary())
        return {"rows": report.rows, "alerts": len(report.alerts), "no_change": report.no_change}
    csv_path = reports.write_format_errors(report, folder)
    if smtp is not None:
        _email_admins(
            smtp,
            config,
            run_id,
            "format_errors",
            (csv_path,),
            format_title=fmt.title,
            errors=[e.as_dict() for e in report.errors[:100]],
            error_count=report.error_count,
        )
    raise FormatCheckFailed(report)


def data_date(config: DistrictConfig, run_id: str, logical_date: datetime | None) -> date:
    """The day a run's data stands for: its logical date (a scheduled run, a backfill), else the day the
    upload was written (a manual run of an older upload), else today; in the district's time zone."""
    zone = ZoneInfo(config.timezone)
    if logical_date is not None:
        return logical_date.astimezone(zone).date()
    uploaded_at = _manifest(config, run_id).get("uploaded_at")
    if uploaded_at:
        return datetime.fromtimestamp(uploaded_at, zone).date()
    return datetime.now(zone).date()


def normalize(config: DistrictConfig, run_id: str, logical_date: datetime | None = None) -> dict:
    if _disconnected(config, run_id):
        return {}
    fmt = get_format(config.source.format)
    checked = reports.read_format_report(store.reports_dir(config.district_id, run_id))
    day = data_date(config, run_id, logical_date)
    with store.connect(config.district_id) as conn:
        counts = snapshot.normalize(
            conn,
            fmt,
            store.landing_dir(config.district_id, run_id),
            run_id,
            checked_rows=checked.get("rows"),
            data_date=day,
        )
    log.info("snapshot (data date %s): %s", day, counts.as_dict())
    return counts.as_dict()


def expectations(config: DistrictConfig, run_id: str) -> dict:
    if _disconnected(config, run_id):
        return {}
    results_dir = store.reports_dir(config.district_id, run_id) / "expectations"
    with store.connect(config.district_id) as conn:
        result = quality.run_quality(conn, run_id, results_dir)
        reports.write_record_issues(conn, run_id, store.reports_dir(config.district_id, run_id))
    log.info("record errors %s, alerts %s; GX results in %s", result.errors, result.alerts, results_dir)
    return {"errors": result.errors, "alerts": result.alerts, "suites": result.suites}


def _manifest(config: DistrictConfig, run_id: str) -> dict:
    path = store.landing_dir(config.district_id, run_id) / landing.MANIFEST
    return json.loads(path.read_text()) if path.exists() else {}


def detect_holds(config: DistrictConfig, run_id: str, smtp: notify.SmtpSettings | None = None) -> dict:
    """The plan and its holds; when a school's changes wait for review, the admins are told, with the
    destructive-changes CSV attached."""
    uploaded_at = _manifest(config, run_id).get("uploaded_at")
    age = (time.time() - uploaded_at) / 86400 if uploaded_at else None
    with store.connect(config.district_id) as conn:
        if _disconnected(config, run_id):
            summary = plan.compute_disconnected_plan(conn, run_id)
            found = holds.plan_holds(conn, run_id)
        else:
            summary = plan.compute_plan(conn, config, run_id, upload_age_days=age)
            found = holds.detect_holds(conn, config, run_id)
        folder = store.reports_dir(config.district_id, run_id)
        reports.write_destructive_changes(conn, run_id, folder)
        waits = gate.gate_needed(conn, run_id)
        _write_summaries(
            config,
            conn,
            run_id,
            status="waiting for approval" if waits else "planned",
            counts=summary.changes,
            counts_title="Changes planned",
            approved_by=None,
        )
        pages = reports.school_pages(conn, run_id, folder)
    log.info("plan: %s; holds: %s", summary.changes, [(h.school, h.reason) for h in found])
    waiting = [h for h in found if h.reason not in holds.NOTHING_TO_RELEASE]
    if waiting and smtp is not None:
        held_pages = {h.school: pages.get(h.school) for h in waiting}
        _email_admins(
            smtp,
            config,
            run_id,
            "hold_placed",
            (folder / "destructive_changes.csv",),
            purpose=f"hold_placed:{summary.plan_id}",  # a plan computed again is a new hold to tell
            holds=waiting,
            held_pages=held_pages,
        )
        log.info("emailed the hold to %d admin address(es)", len(config.admin_emails))
    if summary.removals_suppressed:
        log.warning("the upload is %.0f days old: removals suppressed", summary.upload_age_days)
    return {
        "changes": summary.changes,
        "holds": [h.__dict__ for h in found],
        "is_initial": summary.is_initial,
    }


def open_gate(config: DistrictConfig, run_id: str) -> tuple[bool, str, str]:
    """(needed, subject, body) of the approval gate for this run; when needed, the gate is recorded as
    waiting on the current plan (the answer will release that plan, no other)."""
    with store.connect(config.district_id) as conn:
        if not gate.gate_needed(conn, run_id):
            return False, "", ""
        gate.open_gate(conn, run_id)
        links = {
            **report_links(config, run_id),
            "schools": reports.school_pages(conn, run_id, store.reports_dir(config.district_id, run_id)),
        }
        subject, body = gate.render_gate(conn, config, run_id, links)
    return True, subject, body


def record_gate_answer(config: DistrictConfig, run_id: str, answer: str, by: str | None, at: datetime | None) -> None:
    with store.connect(config.district_id) as conn:
        gate.record_answer(conn, run_id, answer, by, at)
    log.info("gate answer for %s: %s by %s", run_id, answer, by)


def apply_diff(config: DistrictConfig, run_id: str, data_date: datetime | None, force_backfill: bool = False) -> dict:
    """`data_date`: the date the run's data stands for (its logical date, or when it was triggered)."""
    sha = _manifest(config, run_id).get("upload_sha256")
    with store.connect(config.district_id) as conn:
        result = apply.apply_plan(
            conn,
            run_id,
            approvers=config.approvers,
            logical_date=data_date,
            landing_sha256=sha,
            force=force_backfill,
        )
    if result.already_applied:
        log.info("run %s was already applied; nothing changed", run_id)
    log.info("applied: %s; still on hold: %s", result.counts, result.held_schools)
    return {
        "counts": result.counts,
        "held_schools": result.held_schools,
        "already_applied": result.already_applied,
    }


def notify_admins(config: DistrictConfig, run_id: str, smtp: notify.SmtpSettings) -> dict | None:
    """The summary email: the sync applied, or the gate rejected it. None: the run applied nothing."""
    with store.connect(config.district_id) as conn:
        run = runs.load_sync_run(conn, run_id)
        run_holds = holds.plan_holds(conn, run_id)
        errors, alerts = quality.split_by_severity(quality.record_issue_counts(conn, run_id))
        not_synced = plan.school_map(conn, run_id)
        summary = plan.plan_summary(conn, run_id) if run is not None else None
        states = store.query(conn, "apply/select_school_states")
        state = {school: value for school, value, _reasons in states}
        if run is None or run.applied_at is None or summary is None:
            return None  # every task before was skipped: the upload was the one already applied
        answered: dict[str, Any] = {"approved_by": run.approved_by, "approved_at": run.approved_at}
        page = _write_summaries(
            config, conn, run_id, status=run.status, counts=run.counts, counts_title="Changes applied", **answered
        )
    context: dict[str, Any]
    if any(h.reason == "disconnected" for h in run_holds):
        template, context = "clever_disconnected", {}
    elif run.status == "rejected":
        template, context = "sync_rejected", {"holds": run_holds}
    else:
        template, context = (
            "sync_completed",
            {
                "counts": run.counts,
                "held_schools": sorted(s for s, v in state.items() if v == "On hold"),
                "school_states": dict(sorted(state.items())),
                "not_synced": not_synced,
                "removals_suppressed": summary.removals_suppressed,
                "upload_age_days": summary.upload_age_days,
                "errors": errors,
                "alerts": alerts,
            },
        )
    sent = _email_admins(smtp, config, run_id, template, purpose="summary", **answered, **context)
    if sent:
        log.info("emailed %d admin address(es): %s; summary page %s", len(config.admin_emails), run.status, page)
    return {"status": run.status, "recipients": len(config.admin_emails) if sent else 0, "sent_before": not sent}


def notify_accounts(
    config: DistrictConfig, school_id: str, roles: list[str], run_id: str, smtp: notify.SmtpSettings
) -> dict:
    """Welcome emails to the new accounts of one school (teachers first); never twice to an account.
    Accounts without an email are listed in the run's reports folder, not failed."""
    with store.connect(config.district_id) as conn:
        result = welcome.send_welcomes(
            conn,
            smtp,
            district=config.name,
            school_id=school_id,
            roles=roles,
            run_id=run_id,
            report_folder=store.reports_dir(config.district_id, run_id),
            app_url=config.app_url,
        )
    return result.as_dict()
