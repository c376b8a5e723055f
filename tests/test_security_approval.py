"""The gate is the only way to apply a held plan: no recorded answer, an answer for another plan, or one
from someone who is not an approver, and apply refuses; an empty upload never ends a first sync."""

from __future__ import annotations

import pytest
from roster_helpers import Upload, answer_gate, config, prepare, small_district, sync, sync_owned_state
from rostersync import apply, gate, plan


def header_only() -> Upload:
    """Every file with its header and no row: what a broken export job uploads."""
    return Upload()


def test_an_empty_upload_never_ends_the_first_sync(conn, tmp_path):
    summary, found, result = sync(conn, header_only(), tmp_path, "empty")
    assert summary.is_initial and found == [] and result.counts["accounts"]["create"] == 0
    summary, found = prepare(conn, small_district(), tmp_path, "real")
    assert summary.is_initial, "an applied empty upload must not count as the district's first sync"
    assert {h.reason for h in found} == {"initial_sync"}
    with pytest.raises(apply.ApprovalMissing):
        apply.apply_plan(conn, "real")
    assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (0,)


def test_a_rejected_first_sync_leaves_the_district_on_its_first_sync(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1", answer="Reject")
    summary, _ = prepare(conn, small_district(), tmp_path, "r2")
    assert summary.is_initial


def test_an_empty_upload_holds_every_school_of_the_roster(conn, tmp_path):
    sync(conn, small_district(students_per_school=3), tmp_path, "r1")
    before = sync_owned_state(conn)
    _, found = prepare(conn, header_only(), tmp_path, "r2")
    assert {(h.school, h.reason) for h in found if h.reason == "school_emptied"} == {
        ("N", "school_emptied"),
        ("S", "school_emptied"),
    }
    with pytest.raises(apply.ApprovalMissing, match="2 school.s. on hold"):
        apply.apply_plan(conn, "r2")
    assert sync_owned_state(conn) == before


def test_a_small_school_gone_from_the_upload_is_held_and_released_by_approval(conn, tmp_path):
    sync(conn, small_district(students_per_school=1, schools=("N", "S")), tmp_path, "r1")
    day2 = small_district(students_per_school=1, schools=("N",))  # S (3 accounts) is gone
    _, found = prepare(conn, day2, tmp_path, "r2")
    assert ("S", "school_emptied") in {(h.school, h.reason) for h in found}
    answer_gate(conn, "r2", "Approve")
    result = apply.apply_plan(conn, "r2")
    assert result.counts["accounts"]["remove"] == 3
    assert conn.execute(
        "SELECT count(*) FROM accounts WHERE school_id = 'S' AND status <> 'deactivated'"
    ).fetchone() == (0,)


def test_apply_without_an_answer_from_the_gate_refuses_and_says_how(conn, tmp_path):
    """What apply_diff meets when someone sets `approve` to success by hand: the gate opened, never answered."""
    prepare(conn, small_district(), tmp_path, "r1")
    gate.open_gate(conn, "r1")
    with pytest.raises(apply.ApprovalMissing) as refused:
        apply.apply_plan(conn, "r1")
    assert "no answer from the approval gate" in str(refused.value)
    assert "Required Actions" in str(refused.value) and refused.value.code == "R020"
    assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (0,)


def test_an_answer_given_for_an_earlier_plan_releases_nothing(conn, tmp_path):
    prepare(conn, small_district(), tmp_path, "r1")
    answer_gate(conn, "r1", "Approve")
    plan.compute_plan(conn, config(), "r1")  # detect_holds ran again after the answer: a new plan
    with pytest.raises(apply.ApprovalMissing, match="given for another plan"):
        apply.apply_plan(conn, "r1")
    assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (0,)


def test_only_a_listed_approver_releases_a_hold(conn, tmp_path):
    prepare(conn, small_district(), tmp_path, "r1")
    answer_gate(conn, "r1", "Approve", by="mallory")
    with pytest.raises(apply.ApprovalMissing, match="'mallory', who is not one of the district's approvers"):
        apply.apply_plan(conn, "r1", approvers=["ana", "ben"])
    answer_gate(conn, "r1", "Approve", by="ana")
    assert apply.apply_plan(conn, "r1", approvers=["ana", "ben"]).counts["accounts"]["create"] > 0


def test_a_reject_applies_only_the_schools_not_on_hold(conn, tmp_path):
    sync(conn, small_district(), tmp_path, "r1")
    day2 = small_district()
    day2.users = [u for u in day2.users if u[0] not in {f"SN{n:03d}" for n in range(6)}]  # N: removals held
    day2.users = [(*u[:3], "Renamed", *u[4:]) if u[0] == "SS000" else u for u in day2.users]  # S: one update
    prepare(conn, day2, tmp_path, "r2")
    answer_gate(conn, "r2", "Reject")
    result = apply.apply_plan(conn, "r2")
    assert result.held_schools == ["N"] and result.counts["accounts"] == {"create": 0, "update": 1, "remove": 0}
