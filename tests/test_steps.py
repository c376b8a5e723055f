"""Every DAG step over a Run, in order, for a district in each SFTP format (no scheduler)."""

import os
import time
from dataclasses import asdict
from datetime import datetime

import pytest
from conftest import district_yaml, received
from rostersync import gate, landing, runs, steps, store, synth
from rostersync.config import load_district
from rostersync.dev.servers import SmtpSink
from rostersync.notify import SmtpSettings
from rostersync.run import Run


@pytest.mark.parametrize("fmt", ["remind_csv_v1", "remind_csv_v2", "oneroster_v1_1", "oneroster_v1_2"])
def test_each_sftp_format_syncs_through_every_task(fmt, tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "data"))
    config = load_district(district_yaml(tmp_path / "config", "tasks", source={"format": fmt, "conn_id": "unused"}))
    upload = synth.WRITERS[fmt](synth.generate(120, seed=8), tmp_path / "upload")
    an_hour_ago = time.time() - 3600
    for f in upload.iterdir():
        os.utime(f, (an_hour_ago, an_hour_ago))
    with SmtpSink() as sink:
        smtp = SmtpSettings(host="127.0.0.1", port=sink.port, from_email="r@example.org")
        landed = steps.land_files.land_files(Run(config, "r1"), landing.LocalFolder(upload))
        assert not landed.waiting_on and landed.upload_sha256
        steps.format_check.format_check(Run(config, "r1", smtp=smtp))
        counts = steps.normalize.normalize(Run(config, "r1"))
        steps.expectations.expectations(Run(config, "r1"))
        held = steps.detect_holds.detect_holds(Run(config, "r1", smtp=smtp))
        assert [h["reason"] for h in held.holds] == ["initial_sync"]
        assert steps.approve.open_gate(Run(config, "r1")).needed  # what the approve task does before it waits
        steps.approve.record_answer(Run(config, "r1"), gate.APPROVE, "ana", datetime(2026, 11, 23, 8, 0))
        applied = steps.apply_diff.apply_diff(Run(config, "r1"))
        sent = steps.notify.notify_admins(Run(config, "r1", smtp=smtp))
        deadline = time.time() + 5
        while len(sink.messages) < 2 and time.time() < deadline:
            time.sleep(0.05)
    assert counts.students == 120 and applied.counts["accounts"]["create"] > 120
    assert asdict(sent) == {"status": "applied", "recipients": 1, "sent_before": False}
    hold, summary = sink.messages
    assert "on hold" in hold["Subject"] and hold["To"] == "admin@testville.example.org"
    assert [a.get_filename() for a in hold.iter_attachments()] == ["destructive_changes.csv"]
    hold_text = hold.get_body(("plain",)).get_content()
    held = [line.split(":")[0].strip() for line in hold_text.splitlines() if "initial_sync (" in line]
    assert held and all(f"/schools/{school}/summary.html" in hold_text for school in held)
    assert "roster sync applied" in summary["Subject"]
    folder = tmp_path / "data" / "reports" / "tasks" / "r1"
    page = (folder / "summary.html").read_text()
    assert "Changes applied" in page and '<td class="l">accounts</td>' in page and "Connected" in page
    school_pages = sorted(folder.glob("schools/*/summary.html"))
    assert school_pages and all(f'href="schools/{p.parent.name}/summary.html"' in page for p in school_pages)
    with store.connect("tasks") as conn:
        assert runs.last_applied_upload(conn) == ("r1", landed.upload_sha256)


def _aged_upload(tmp_path, days):
    upload = synth.WRITERS["remind_csv_v2"](synth.generate(30, seed=2), tmp_path / "upload")
    then = time.time() - days * 86400
    for f in upload.iterdir():
        os.utime(f, (then, then))
    return upload


def test_an_upload_80_days_old_warns_the_admins_once(tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "data"))
    config = load_district(district_yaml(tmp_path / "config", "aging"))
    upload = _aged_upload(tmp_path, 81)
    with SmtpSink() as sink:
        smtp = SmtpSettings(host="127.0.0.1", port=sink.port, from_email="r@example.org")
        first = steps.land_files.land_files(Run(config, "r1"), landing.LocalFolder(upload))
        assert steps.land_files.warn_if_upload_old(Run(config, "r1", smtp=smtp), first) is True
        again = steps.land_files.land_files(Run(config, "r2"), landing.LocalFolder(upload))
        assert (
            steps.land_files.warn_if_upload_old(Run(config, "r2", smtp=smtp), again) is False
        )  # the same upload: told once
        deadline = time.time() + 5
        while not sink.messages and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
    [warning] = sink.messages
    assert warning["To"] == "admin@testville.example.org"
    assert warning["Subject"] == "Testville Unified: no new roster upload for 81 days"
    text = warning.get_body(("plain",)).get_content()
    assert "In 9 days the upload is 90 days old" in text and "removes nothing" in text


def test_an_upload_younger_than_80_days_sends_no_warning(tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "data"))
    config = load_district(district_yaml(tmp_path / "config", "fresh"))
    landed = steps.land_files.land_files(Run(config, "r1"), landing.LocalFolder(_aged_upload(tmp_path, 79)))
    smtp = SmtpSettings(host="127.0.0.1", port=9, from_email="r@example.org")  # nothing listens: must not be used
    assert steps.land_files.warn_if_upload_old(Run(config, "r1", smtp=smtp), landed) is False


def test_an_unreadable_upload_emails_the_admins_the_errors_with_the_csv(tmp_path, monkeypatch):
    from rostersync.format_check import FormatCheckFailed

    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "data"))
    config = load_district(district_yaml(tmp_path / "config", "broken"))
    upload = _aged_upload(tmp_path, 1)
    users = upload / "users.csv"
    lines = users.read_text().splitlines()
    lines[3] += ",one too many"
    users.write_text("\n".join(lines) + "\n")
    os.utime(users, (time.time() - 3600, time.time() - 3600))
    with SmtpSink() as sink:
        smtp = SmtpSettings(host="127.0.0.1", port=sink.port, from_email="r@example.org")
        steps.land_files.land_files(Run(config, "r1"), landing.LocalFolder(upload))
        with pytest.raises(FormatCheckFailed, match="users.csv"):
            steps.format_check.format_check(Run(config, "r1", smtp=smtp))
        [email] = received(sink, 1)
    assert email["To"] == "admin@testville.example.org"
    assert email["Subject"].startswith("Testville Unified") and "format error" in email["Subject"]
    [attachment] = list(email.iter_attachments())
    assert attachment.get_filename() == "format_errors.csv"
    assert "users.csv,4," in attachment.get_content()  # the file and the line
    text = email.get_body(("plain",)).get_content()
    assert "users.csv line 4" in text and "format_errors.csv" in text


def test_a_sync_with_record_errors_applies_the_clean_records_and_the_email_links_their_lists(tmp_path, monkeypatch):
    from roster_helpers import small_district

    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("ROSTERSYNC_ROSTERS_URL", "https://reports.example.org")
    config = load_district(district_yaml(tmp_path / "config", "errs"))
    up = small_district(students_per_school=5, schools=("N",))
    up.users = [(*u[:4], "no-at-sign", *u[5:]) if u[0] == "TN" else u for u in up.users]  # E101
    folder = up.write(tmp_path / "upload")
    for f in folder.iterdir():
        os.utime(f, (time.time() - 3600, time.time() - 3600))
    with SmtpSink() as sink:
        smtp = SmtpSettings(host="127.0.0.1", port=sink.port, from_email="r@example.org")
        steps.land_files.land_files(Run(config, "r1"), landing.LocalFolder(folder))
        steps.format_check.format_check(Run(config, "r1", smtp=smtp))
        steps.normalize.normalize(Run(config, "r1"))
        found = steps.expectations.expectations(Run(config, "r1"))
        steps.detect_holds.detect_holds(Run(config, "r1", smtp=smtp))
        assert steps.approve.open_gate(Run(config, "r1")).needed  # what the approve task does before it waits
        steps.approve.record_answer(Run(config, "r1"), gate.APPROVE, "ana", datetime(2026, 11, 23, 8, 0))
        steps.apply_diff.apply_diff(Run(config, "r1"))
        steps.notify.notify_admins(Run(config, "r1", smtp=smtp))
        _hold, summary = received(sink, 2)
    assert found.errors == {"E101": 1}
    with store.connect("errs") as conn:
        people = conn.execute("SELECT person_sid FROM accounts ORDER BY 1").fetchall()
    assert ("TN",) not in people and len(people) == 10  # 5 students and 5 parents; the teacher is skipped
    text = summary.get_body(("plain",)).get_content()
    assert "created 10" in text and "E101: 1" in text
    assert "https://reports.example.org/errs/r1/issues_E101.csv" in text
    assert "https://reports.example.org/errs/r1/summary.html" in text


def _checked(config, run_id: str, folder) -> None:
    """land_files (the files an hour old: settled), format_check, normalize and expectations of one run."""
    for f in folder.iterdir():
        os.utime(f, (time.time() - 3600, time.time() - 3600))
    steps.land_files.land_files(Run(config, run_id), landing.LocalFolder(folder))
    steps.format_check.format_check(Run(config, run_id))
    steps.normalize.normalize(Run(config, run_id))
    steps.expectations.expectations(Run(config, run_id))


def test_the_issue_csvs_are_written_with_the_plan_and_kept_when_an_old_run_is_planned_again(tmp_path, monkeypatch):
    """detect_holds writes the record issues' CSVs beside the plan. Once a later run is applied, an older
    run's snapshot and issues are gone: planning that run again (a task cleared by hand) is refused (R013:
    planned from nothing, every record would be removed) and does not remove the CSVs it wrote."""
    from roster_helpers import small_district

    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "data"))
    config = load_district(district_yaml(tmp_path / "config", "again"))
    up = small_district(students_per_school=5, schools=("N",))
    up.users = [(*u[:4], "no-at-sign", *u[5:]) if u[0] == "TN" else u for u in up.users]  # E101
    folder = up.write(tmp_path / "upload")
    reports = tmp_path / "data" / "reports" / "again"
    for run_id in ("r1", "r2"):
        _checked(config, run_id, folder)
        assert not (reports / run_id / "issues_E101.csv").exists()  # not yet: written with the plan
        steps.detect_holds.detect_holds(Run(config, run_id))
        assert "TN" in (reports / run_id / "issues_E101.csv").read_text()
        if steps.approve.open_gate(Run(config, run_id)).needed:
            steps.approve.record_answer(Run(config, run_id), gate.APPROVE, "ana", datetime(2026, 11, 23, 8, 0))
        steps.apply_diff.apply_diff(Run(config, run_id))
    written = (reports / "r1" / "issues_E101.csv").read_text()
    from rostersync.plan import SnapshotGone

    with pytest.raises(SnapshotGone, match="run r1 has no snapshot"):  # planned from nothing: all removed
        steps.detect_holds.detect_holds(Run(config, "r1"))
    with store.connect("again") as conn:
        assert conn.execute("SELECT count(*) FROM plan_runs WHERE run_id = 'r1'").fetchone() == (0,)
    assert (reports / "r1" / "issues_E101.csv").read_text() == written


def test_when_the_plan_and_the_issue_csvs_both_fail_the_plans_error_is_raised_and_the_other_logged(
    tmp_path, monkeypatch, caplog
):
    from roster_helpers import small_district
    from rostersync import plan, reports

    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "data"))
    config = load_district(district_yaml(tmp_path / "config", "both"))
    _checked(config, "r1", small_district(students_per_school=3, schools=("N",)).write(tmp_path / "upload"))

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    def plan_fails(*_args, **_kwargs):
        raise RuntimeError("the plan failed")

    monkeypatch.setattr(reports, "write_record_issues", disk_full)
    monkeypatch.setattr(plan, "compute_plan", plan_fails)
    with pytest.raises(RuntimeError, match="the plan failed"):
        steps.detect_holds.detect_holds(Run(config, "r1"))
    assert "the record issues' CSVs were not written either (OSError)" in caplog.text


def test_each_admin_email_goes_once_per_run_even_when_a_task_runs_again(tmp_path, monkeypatch):
    """notify cleared and run again, a server that accepts and then fails at QUIT, a refusal before
    accepting: the summary email goes out exactly once."""
    import smtplib

    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "data"))
    config = load_district(district_yaml(tmp_path / "config", "once"))
    upload = synth.WRITERS["remind_csv_v2"](synth.generate(30, seed=2), tmp_path / "upload")
    for f in upload.iterdir():
        os.utime(f, (time.time() - 3600, time.time() - 3600))
    with SmtpSink(fail_at_quit=True) as flaky:
        smtp = SmtpSettings(host="127.0.0.1", port=flaky.port, from_email="r@example.org")
        steps.land_files.land_files(Run(config, "r1"), landing.LocalFolder(upload))
        steps.format_check.format_check(Run(config, "r1", smtp=smtp))
        steps.normalize.normalize(Run(config, "r1"))
        steps.expectations.expectations(Run(config, "r1"))
        steps.detect_holds.detect_holds(Run(config, "r1", smtp=smtp))  # the hold email: accepted, then QUIT failed
        steps.detect_holds.detect_holds(
            Run(config, "r1", smtp=smtp)
        )  # cleared and run again: a new plan, a new hold to tell
        assert steps.approve.open_gate(Run(config, "r1")).needed
        steps.approve.record_answer(Run(config, "r1"), gate.APPROVE, "ana", datetime(2026, 11, 23, 8, 0))
        steps.apply_diff.apply_diff(Run(config, "r1"))
        first = steps.notify.notify_admins(Run(config, "r1", smtp=smtp))
        again = steps.notify.notify_admins(Run(config, "r1", smtp=smtp))  # notify cleared and rerun
        received(flaky, 3)
    assert first.sent_before is False and asdict(again) == {"status": "applied", "recipients": 0, "sent_before": True}
    subjects = [m["Subject"] for m in flaky.messages]
    assert sum("roster sync applied" in s for s in subjects) == 1 and sum("on hold" in s for s in subjects) == 2
    with SmtpSink(refuse=("admin@testville.example.org",)) as refusing:  # refused before accepting
        smtp = SmtpSettings(host="127.0.0.1", port=refusing.port, from_email="r@example.org")
        with store.connect("once") as conn:
            conn.execute("DELETE FROM admin_emails WHERE purpose = 'summary'")
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            steps.notify.notify_admins(Run(config, "r1", smtp=smtp))
    with store.connect("once") as conn:  # not recorded: the retry sends it
        assert conn.execute("SELECT count(*) FROM admin_emails WHERE purpose = 'summary'").fetchone() == (0,)
