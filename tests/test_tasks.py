"""Every DAG task's function, in order, for a district in each SFTP format (no scheduler)."""

import os
import time

import pytest
from conftest import district_yaml
from rostersync import apply, gate, landing, store, synth, tasks
from rostersync.config import load_district
from rostersync.dev.servers import SmtpSink
from rostersync.notify import SmtpSettings


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
        landed = tasks.land(config, "r1", landing.LocalFolder(upload))
        assert not landed.waiting_on and landed.upload_sha256
        tasks.format_check(config, "r1", smtp)
        counts = tasks.normalize(config, "r1")
        tasks.expectations(config, "r1")
        held = tasks.detect_holds(config, "r1", smtp)
        assert [h["reason"] for h in held["holds"]] == ["initial_sync"]
        tasks.record_gate_answer(config, "r1", gate.APPROVE, "ana", None)
        applied = tasks.apply_diff(config, "r1", None)
        sent = tasks.notify_admins(config, "r1", smtp)
        deadline = time.time() + 5
        while len(sink.messages) < 2 and time.time() < deadline:
            time.sleep(0.05)
    assert counts["students"] == 120 and applied["counts"]["accounts"]["create"] > 120
    assert sent == {"status": "applied", "recipients": 1}
    hold, summary = sink.messages
    assert "on hold" in hold["Subject"] and "destructive_changes.csv" in hold.get_body(("plain",)).get_content()
    assert "roster sync applied" in summary["Subject"]
    folder = tmp_path / "data" / "reports" / "tasks" / "r1"
    page = (folder / "summary.html").read_text()
    assert "Changes applied" in page and '<td class="l">accounts</td>' in page and "Connected" in page
    school_pages = sorted(folder.glob("schools/*/summary.html"))
    assert school_pages and all(f'href="schools/{p.parent.name}/summary.html"' in page for p in school_pages)
    with store.connect("tasks") as conn:
        assert apply.last_applied_upload(conn) == ("r1", landed.upload_sha256)
