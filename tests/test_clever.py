"""The Clever client and land_files against the local Clever API server over HTTP on loopback."""

from datetime import datetime

import pytest
from conftest import district_yaml
from roster_helpers import sync_owned_state
from rostersync import clever, gate, plan, snapshot, steps, store, synth
from rostersync.config import load_district
from rostersync.dev.clever_server import CleverServer
from rostersync.formats import get_format
from rostersync.run import Run
from test_formats import FIXTURES

SAMPLE = FIXTURES / "clever-demo-district"


@pytest.fixture
def server():
    with CleverServer(SAMPLE, "district-token", max_page=100) as running:
        yield running


def test_pages_are_followed_to_the_end(server, tmp_path):
    result = clever.pull(server.url, "district-token", tmp_path, page_size=100)
    assert result.records == {"schools": 3, "users": 2098, "sections": 378}
    assert result.pages["users"] == 21 and len(list((tmp_path / "users").glob("*.json.gz"))) == 21
    assert server.requests.count("/v3.0/users") == 21


def test_a_429_is_waited_out_and_a_503_retried(server, tmp_path):
    server.faults = [429, 503]
    waits: list[float] = []
    result = clever.pull(server.url, "district-token", tmp_path, page_size=100, sleep=waits.append)
    assert result.records["users"] == 2098
    assert waits == [1.0, 2.0]  # Retry-After for the 429, then backoff for the 503


def test_endless_5xx_fails_with_a_clear_error(server, tmp_path):
    server.faults = [502] * 10
    with pytest.raises(clever.CleverError, match="HTTP 502 after 2 retries"):
        clever.pull(server.url, "district-token", tmp_path, max_retries=2, sleep=lambda s: None)


def test_a_refused_token_is_a_disconnected_result_not_a_crash(server, tmp_path):
    server.revoked = True
    result = clever.pull(server.url, "district-token", tmp_path)
    assert result.disconnected and result.status == 401


def test_the_sample_district_normalizes_to_its_published_counts(server, tmp_path):
    clever.pull(server.url, "district-token", tmp_path, page_size=100)
    with store.scratch() as conn:
        counts = snapshot.normalize(conn, get_format("clever"), tmp_path, "r1")
        students = conn.execute("SELECT count(*) FROM snap_memberships WHERE role = 'student'").fetchone()[0]
        linked = conn.execute("SELECT count(DISTINCT guardian_sid) FROM snap_guardianships").fetchone()[0]
    assert (counts.schools, counts.students, counts.teachers, counts.classes) == (3, 1004, 89, 378)
    assert students == 8954
    assert counts.guardians == 1002 and linked == 1002  # every contact is a guardian of their students


def clever_district(tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "data"))
    return load_district(district_yaml(tmp_path / "config", "cleverville", source={"kind": "clever", "conn_id": "c"}))


def run_until_gate(config, run_id, url, token):
    landed = steps.land_files.land_clever(Run(config, run_id), url, token)
    steps.format_check.format_check(Run(config, run_id, smtp=None))
    steps.normalize.normalize(Run(config, run_id))
    steps.expectations.expectations(Run(config, run_id))
    return landed, steps.detect_holds.detect_holds(Run(config, run_id))


def test_a_revoked_token_holds_every_school_as_disconnected_and_applies_nothing(server, tmp_path, monkeypatch):
    config = clever_district(tmp_path, monkeypatch)
    run_until_gate(config, "r1", server.url, "district-token")
    assert steps.approve.open_gate(Run(config, "r1")).needed
    steps.approve.record_answer(Run(config, "r1"), gate.APPROVE, "tester", datetime(2026, 11, 23, 8, 0))
    steps.apply_diff.apply_diff(Run(config, "r1"))
    with store.connect("cleverville") as conn:
        before = sync_owned_state(conn)
    server.revoked = True
    landed, held = run_until_gate(config, "r2", server.url, "district-token")
    assert landed.disconnected
    assert {h["reason"] for h in held.holds} == {"disconnected"} and len(held.holds) == 3
    with store.connect("cleverville") as conn:
        assert not gate.gate_needed(conn, "r2")  # nothing to approve
    applied = steps.apply_diff.apply_diff(Run(config, "r2"))
    assert all(sum(c.values()) == 0 for c in applied.counts.values())
    with store.connect("cleverville") as conn:
        assert sync_owned_state(conn) == before
        states = {s for (s,) in conn.execute("SELECT state FROM school_state").fetchall()}
        assert states == {"On hold"}


def test_emergency_contacts_put_their_school_on_hold(tmp_path):
    district = synth.generate(200, seed=4)
    student, guardian, rel, _ = sorted(district.guardianships)[0]
    district.guardianships.discard((student, guardian, rel, "guardian"))
    district.guardianships.add((student, guardian, rel, "emergency"))
    folder = synth.write_clever(district, tmp_path / "api")
    pages = (
        (folder / "users.json")
        .read_text()
        .replace(
            f'"student": "{student}", "relationship": "{rel}", "type": "Parent/Guardian"',
            f'"student": "{student}", "relationship": "{rel}", "type": "Emergency"',
        )
    )
    (folder / "users.json").write_text(pages)
    from roster_helpers import config as make_config
    from rostersync import holds, quality

    cfg = make_config()
    with store.scratch() as conn:
        snapshot.normalize(conn, get_format("clever"), folder, "r1")
        quality.find_record_issues(conn, "r1")
        plan.compute_plan(conn, cfg, "r1")
        found = holds.detect_holds(conn, cfg, "r1")
    assert "data_configuration" in {h.reason for h in found}
    assert any("emergency or secondary" in h.detail for h in found)
