"""Emails rendered from the templates and sent to a real aiosmtpd sink on loopback."""

import time
from typing import Any

import pytest
from rostersync import notify
from rostersync.dev.servers import SmtpSink


@pytest.fixture
def sink(tmp_path):
    with SmtpSink(tmp_path / "mail") as server:
        yield server


REPORTS: dict[str, Any] = {
    "summary": "https://reports.example.org/riverside/r1/summary.html",
    "destructive": None,
    "format_errors": "https://reports.example.org/riverside/r1/format_errors.csv",
    "issues": {"E101": "https://reports.example.org/riverside/r1/issues_E101.csv"},
}


def settings(sink):
    return notify.SmtpSettings(host="127.0.0.1", port=sink.port, from_email="rostersync@example.org")


def wait_for(sink, n=1):
    deadline = time.time() + 5
    while len(sink.messages) < n and time.time() < deadline:
        time.sleep(0.05)
    return sink.messages


def test_the_sync_summary_reaches_the_admins_with_counts_in_text_and_html(sink, tmp_path):
    counts = {"accounts": {"create": 12, "update": 3, "remove": 1}}
    email = notify.render(
        "sync_completed",
        ["a@district.org", "b@district.org"],
        district="Riverside",
        district_id="riverside",
        run_id="r1",
        approved_by="ana",
        approved_at=None,
        counts=counts,
        held_schools=["S2"],
        errors={"E101": 2},
        alerts={},
        reports=REPORTS,
        school_states={"S1": "Connected", "S2": "On hold"},
        not_synced={"unmapped": ["S9"], "deselected": []},
        removals_suppressed=True,
        upload_age_days=120.4,
    )
    notify.send(settings(sink), email)
    [message] = wait_for(sink)
    assert message["To"] == "a@district.org, b@district.org"
    assert message["Subject"] == "Riverside: roster sync applied, 1 school(s) still on hold"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "created 12, updated 3, removed 1" in text
    assert "<td>12</td>" in html and "E101: 2" in text
    assert f'<a href="{REPORTS["issues"]["E101"]}">E101 list</a>' in html and REPORTS["summary"] in text
    assert "S2: On hold" in text and "not synced: S9" in text and "120 days old" in text
    assert (tmp_path / "mail" / "00001.eml").exists()


def test_the_format_errors_email_attaches_the_csv(sink, tmp_path):
    csv_path = tmp_path / "format_errors.csv"
    csv_path.write_text("code,file\nF001,users.csv\n")
    email = notify.render(
        "format_errors",
        ["a@district.org"],
        (csv_path,),
        district="Riverside",
        district_id="riverside",
        run_id="r1",
        format_title="Remind CSV 2.0",
        reports=REPORTS,
        error_count=1,
        errors=[
            {
                "code": "F001",
                "file": "users.csv",
                "line": None,
                "column": None,
                "message": "users.csv was not in the upload",
                "hint": "Upload every required file.",
            }
        ],
    )
    notify.send(settings(sink), email)
    [message] = wait_for(sink)
    assert "1 format error(s)" in message["Subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "format_errors.csv"
    assert "F001" in attachment.get_content()


def test_html_escapes_what_came_from_the_data(sink):
    email = notify.render(
        "sync_rejected",
        ["a@district.org"],
        district="<b>Evil</b>",
        district_id="x",
        run_id="r",
        approved_by=None,
        approved_at=None,
        holds=[],
        counts={"accounts": {"create": 1, "update": 0, "remove": 0}},
        reports=REPORTS,
    )
    assert "&lt;b&gt;Evil" in email.html
