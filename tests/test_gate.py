"""The approval gate's text is rendered from the frozen plan, and carries ids, never personal data."""

import pytest
from roster_helpers import config, prepare, small_district, sync
from rostersync import gate, runs


def test_the_body_shows_each_held_school_its_reasons_changes_and_the_csv(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    day2 = small_district()
    gone = {f"SN{n:03d}" for n in range(6)}
    day2.users = [u for u in day2.users if u[0] not in gone]
    _, found = prepare(conn, day2, tmp_path, "r2")
    assert gate.gate_needed(conn, "r2")
    links = {
        "summary": "https://reports.example.org/unit/r2/summary.html",
        "destructive": "https://reports.example.org/unit/r2/destructive_changes.csv",
        "schools": {"N": "https://reports.example.org/unit/r2/schools/N/summary.html"},
    }
    subject, body = gate.render_gate(conn, config(), "r2", links)
    assert subject == "Unit District: approve roster changes (1 school(s) on hold)"
    assert "### School N (`N`): on hold" in body and "**data_removals**" in body  # name and id
    assert "- accounts: +0 ~0 -6" in body
    assert "classes changing most" not in body
    assert "removals, first ten: account student `SN000`" in body  # students before their parents
    assert "roster as of 20" in body and "version" not in body
    # the totals say what applies without an answer and what waits for it
    assert "| accounts | 0 | 0 | 0 | 0 | 0 | 6 |" in body
    assert "[destructive_changes.csv](https://reports.example.org/unit/r2/destructive_changes.csv)" in body
    assert "[summary.html](https://reports.example.org/unit/r2/summary.html)" in body
    assert "- report: [School N summary](https://reports.example.org/unit/r2/schools/N/summary.html)" in body
    assert "(`S`)" not in body
    for personal in ("Dent0", "sn000@school.org", "Stu"):
        assert personal not in body


def test_the_body_names_schools_that_are_not_synced(conn, tmp_path):
    cfg = config(schools={"N": {}, "X": {"selected": False}})
    prepare(conn, small_district(schools=("N", "S", "X")), tmp_path, "r1", cfg)
    _, body = gate.render_gate(conn, cfg, "r1")
    assert "no mapping in the district config" in body and "`S`" in body
    assert "deselected (paused): `X`" in body


def test_the_answer_is_stored_with_the_run(conn, tmp_path):
    prepare(conn, small_district(), tmp_path, "r1")
    gate.record_answer(conn, "r1", gate.REJECT, "ana", None)
    run = runs.load_sync_run(conn, "r1")
    assert (run.status, run.gate_answer, run.approved_by) == ("rejected", "Reject", "ana")
    with pytest.raises(ValueError, match="must be Approve, Reject or a school the gate offered"):
        gate.record_answer(conn, "r1", "Maybe", "ana", None)
