"""The gate the way implementation teams answer it: per-school releases with a reason, the approvers told
(and reminded once), a gate nobody answers; the steps over a real store and a real SMTP sink, without
Airflow's scheduler (tests/test_e2e.py runs the same under dag.test())."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from conftest import hold_store, received
from roster_helpers import Upload, config, prepare, small_district
from rostersync import apply, holds, runs
from rostersync.dev.servers import SmtpSink
from rostersync.notify import SmtpSettings
from rostersync.run import Run
from rostersync.steps import apply_diff, approve, outcome

APPROVER = "lead@impl.example.org"
LINK = "http://airflow.example.org/dags/roster_sync__unit/runs/r1/tasks/approve/required_actions?map_index=-1"


@pytest.fixture
def mail(tmp_path):
    with SmtpSink(tmp_path / "mail") as sink:
        yield sink, SmtpSettings(host="127.0.0.1", port=sink.port, from_email="rostersync@example.org")


def planned(tmp_path, smtp, run_id: str = "r1", upload=None, **overrides) -> Run:
    """A run of the unit district (first sync of schools N and S unless `upload` says otherwise), planned."""
    cfg = config(approver_emails=[APPROVER], **overrides)
    run = Run(cfg, run_id, smtp=smtp)
    with run.store() as conn:
        prepare(conn, upload or small_district(), tmp_path, run_id, cfg)
    return run


def roster_schools(run: Run) -> dict[str, int]:
    with run.store(read_only=True) as conn:
        return dict(conn.execute("SELECT school_id, count(*) FROM accounts GROUP BY ALL ORDER BY ALL").fetchall())


def test_the_gate_offers_each_held_school_by_name_and_applies_only_those_released(data_root, tmp_path, mail):
    run = planned(tmp_path, mail[1])
    opened = approve.open_gate(run)
    assert opened.needed
    assert opened.options == ["Approve", "Reject", "Release N (School N)", "Release S (School S)"]
    assert "School N" in opened.body and "waits for you" in opened.body
    at = datetime(2026, 11, 23, 8, 30)
    approve.record_answer(run, ["Release N (School N)"], "lead", at, "N checked with its principal")
    result = apply_diff.apply_diff(run)
    assert result.held_schools == ["S"]
    assert roster_schools(run) == {"N": 41}  # 1 teacher, 20 students, 20 parents; nothing of S
    with run.store(read_only=True) as conn:
        decisions = conn.execute("SELECT school_id, released, reason, decided_by, decided_at FROM gate_decisions")
        assert sorted(decisions.fetchall()) == [
            ("N", True, "N checked with its principal", "lead", at),
            ("S", False, "N checked with its principal", "lead", at),
        ]
        states = dict(conn.execute("SELECT school_id, reasons FROM school_state WHERE state = 'On hold'").fetchall())
        synced = runs.load_sync_run(conn, "r1")
    assert states == {"S": "initial_sync; not released at run r1"}
    assert synced is not None and synced.gate_answer == runs.PARTIAL and synced.status == "applied"
    ended = outcome.outcome(run)
    assert ended is not None and not ended.all_applied and ended.kept_on_hold == ["S"]
    assert ended.message.startswith("partly released by lead: 1 school(s) applied, 1 kept on hold (S)")


def test_a_school_not_released_is_offered_again_by_the_next_run_of_the_same_upload(data_root, tmp_path, mail):
    run = planned(tmp_path, mail[1])
    approve.open_gate(run)
    approve.record_answer(run, ["Release S (School S)"], "lead", datetime(2026, 11, 23, 8, 30))
    apply_diff.apply_diff(run)
    again = planned(tmp_path, mail[1], "r2")  # the same files, a night later
    opened = approve.open_gate(again)
    assert opened.needed and opened.options == ["Approve", "Reject", "Release N (School N)"]
    approve.record_answer(again, ["Approve"], "lead", datetime(2026, 11, 24, 8, 30))
    apply_diff.apply_diff(again)
    assert roster_schools(again) == {"N": 41, "S": 41}
    ended = outcome.outcome(again)
    assert ended is not None and ended.all_applied, ended


def test_an_answer_that_names_no_offered_option_is_refused(data_root, tmp_path, mail):
    run = planned(tmp_path, mail[1])
    approve.open_gate(run)
    for wrong in (["Release X (School X)"], [], ["release n (school n)"]):
        with pytest.raises(ValueError, match="gate answer must be"):
            approve.record_answer(run, wrong, "lead", datetime(2026, 11, 23, 8, 30))


def test_the_approvers_get_the_link_then_one_reminder_after_the_delay_never_two(data_root, tmp_path, mail):
    sink, smtp = mail
    run = planned(tmp_path, smtp, reminder_after_hours=24, approvers=[APPROVER, "jo"])
    approve.open_gate(run)
    assert approve.tell_approvers(run, LINK)
    [waiting] = received(sink, 1)
    assert waiting["To"] == APPROVER  # "jo" is an Airflow user id, not an address
    assert "2 school(s) wait for your approval" in waiting["Subject"]
    text = waiting.get_body(preferencelist=("plain",)).get_content()
    assert LINK in text and "N: initial_sync" in text and "S: initial_sync" in text
    assert "accounts +82 ~0 -0" in text and "memberships +82 ~0 -0" in text
    assert urlparse(LINK).path == "/dags/roster_sync__unit/runs/r1/tasks/approve/required_actions"
    assert not approve.tell_approvers(run, LINK)  # once per run: a retried task does not send it again

    with run.store(read_only=True) as conn:
        opened_at = runs.load_sync_run(conn, "r1").gate_opened_at  # type: ignore[union-attr]
    assert opened_at is not None
    assert approve.remind_approvers(run, now=opened_at + timedelta(hours=23)) is False  # not yet
    assert len(received(sink, 2, wait=0.5)) == 1
    assert approve.remind_approvers(run, now=opened_at + timedelta(hours=25)) is True
    [_, reminder] = received(sink, 2)
    assert reminder["Subject"].startswith("Reminder: ")
    assert LINK in reminder.get_body(preferencelist=("plain",)).get_content()  # the link the gate recorded
    assert approve.remind_approvers(run, now=opened_at + timedelta(hours=49)) is False  # once, not twice
    assert len(received(sink, 3, wait=0.5)) == 2


def test_the_reminder_round_finds_every_districts_waiting_gates_and_skips_a_busy_store(data_root, tmp_path, mail):
    from rostersync import store
    from rostersync.steps.remind_approvers import remind_all

    sink, smtp = mail
    waiting = planned(tmp_path, smtp, reminder_after_hours=2)
    approve.open_gate(waiting)
    never_ran = config(district_id="quiet", approver_emails=[APPROVER])
    with waiting.store(read_only=True) as conn:
        opened_at = runs.load_sync_run(conn, "r1").gate_opened_at  # type: ignore[union-attr]
    assert opened_at is not None
    configs = [waiting.config, never_ran]
    assert remind_all(configs, lambda _c: smtp, now=opened_at + timedelta(hours=1)).reminded == {}
    holder = hold_store(store.roster_path("unit"))  # a sync writing the store: skipped, nothing lost
    try:
        busy = remind_all(configs, lambda _c: smtp, now=opened_at + timedelta(hours=3))
    finally:
        holder.kill()
        holder.wait()
    assert busy.busy == ["unit"] and busy.reminded == {}
    done = remind_all(configs, lambda _c: smtp, now=opened_at + timedelta(hours=3))
    assert done.reminded == {"unit": ["r1"]} and not store.roster_path("quiet").exists()
    assert remind_all(configs, lambda _c: smtp, now=opened_at + timedelta(hours=4)).reminded == {}
    late = remind_all(configs, lambda _c: smtp, now=opened_at + timedelta(hours=100))  # past the timeout
    assert late.reminded == {}
    [reminder] = received(sink, 1)
    assert reminder["To"] == APPROVER and reminder["Subject"].startswith("Reminder: ")


def test_no_reminder_once_answered_or_when_the_district_wants_none(data_root, tmp_path, mail):
    sink, smtp = mail
    run = planned(tmp_path, smtp)
    approve.open_gate(run)
    approve.record_answer(run, ["Reject"], "lead", datetime(2026, 11, 23, 8, 30))
    assert approve.remind_approvers(run, now=datetime(2030, 1, 1)) is False
    quiet = planned(tmp_path, smtp, "r9", reminder_after_hours=0)
    approve.open_gate(quiet)
    assert approve.remind_approvers(quiet, now=datetime(2030, 1, 1)) is False
    assert received(sink, 1, wait=0.5) == []


def test_a_gate_nobody_answers_keeps_every_held_school_held_and_tells_the_admins(data_root, tmp_path, mail):
    """What the approve task does when the triggerer reports the response_timeout passed."""
    from rostersync.operators import RosterApprovalOperator

    sink, smtp = mail
    run = planned(tmp_path, smtp, response_timeout_hours=2)
    operator = RosterApprovalOperator(task_id="approve", config=run.config)
    assert operator.response_timeout == timedelta(hours=2)
    approve.open_gate(run)
    event = {"error": "The timeout has passed, and the response has not yet been received.", "error_type": "timeout"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("rostersync.operators.smtp_settings", lambda _conn_id: smtp)
        answer = operator.execute_complete({"run_id": "r1"}, event)
    assert answer == {"chosen_options": [], "timed_out": True}
    result = apply_diff.apply_diff(run)
    assert result.held_schools == ["N", "S"] and roster_schools(run) == {}
    [told] = received(sink, 1)
    assert told["To"] == "admin@unit.example.org" and "timed out" in told["Subject"]
    with run.store(read_only=True) as conn:
        synced = runs.load_sync_run(conn, "r1")
    assert synced is not None and synced.status == "approval timed out"
    ended = outcome.outcome(run)
    assert ended is not None and ended.message.startswith("approval timed out: 2 school(s) kept on hold (N, S)")
    again = planned(tmp_path, smtp, "r2")
    assert approve.open_gate(again).options == ["Approve", "Reject", "Release N (School N)", "Release S (School S)"]


def moved(students: int) -> Upload:
    """Both schools as first synced, but `students` of S's students (and their parents) now at N."""
    up = small_district()
    movers = {f"SS{n:03d}" for n in range(students)}
    up.school_enrollments = [("N", who) if who in movers else (s, who) for s, who in up.school_enrollments]
    up.class_enrollments = [
        ("CN", who, *rest) if who in movers else (c, who, *rest) for c, who, *rest in up.class_enrollments
    ]
    return up


def test_releasing_the_school_a_move_goes_to_keeps_the_move_while_the_school_it_leaves_is_held(
    data_root, tmp_path, mail
):
    run = planned(tmp_path, mail[1])
    approve.open_gate(run)
    approve.record_answer(run, ["Approve"], "lead", datetime(2026, 11, 23, 8, 30))
    apply_diff.apply_diff(run)
    before = roster_schools(run)
    second = planned(tmp_path, mail[1], "r2", upload=moved(10))
    with second.store(read_only=True) as conn:
        held = {(h.school, h.reason) for h in holds.plan_holds(conn, "r2")}
    assert {("N", "data_moves"), ("S", "data_moves")} <= held
    approve.open_gate(second)
    approve.record_answer(second, ["Release N (School N)"], "lead", datetime(2026, 11, 24, 8, 30))
    apply_diff.apply_diff(second)
    assert roster_schools(second) == before  # nobody left S while S is on hold
    with second.store(read_only=True) as conn:
        in_n = conn.execute(
            "SELECT count(*) FROM memberships m JOIN classes c USING (class_id) JOIN accounts a USING (account_id) "
            "WHERE c.class_sid = 'CN' AND a.school_id = 'S' AND m.status = 'active'"
        ).fetchone()
    assert in_n == (0,)  # nor joined N's class half-moved


@pytest.mark.parametrize(
    "answer", [["Approve", "Reject"], ["Reject", "Release N (School N)"], ["Release N (School N)", "Timed out"]]
)
def test_a_contradictory_answer_releases_nothing(data_root, tmp_path, mail, answer):
    run = planned(tmp_path, mail[1])
    approve.open_gate(run)
    recorded = approve.record_answer(run, answer, "lead", datetime(2026, 11, 23, 8, 30))
    assert recorded.gate_answer in (runs.REJECT, runs.TIMED_OUT)
    assert apply_diff.apply_diff(run).held_schools == ["N", "S"] and roster_schools(run) == {}


def test_schools_whose_options_would_read_the_same_get_options_of_their_own(data_root, tmp_path, mail):
    long_a, long_b = "A" * 150 + "-one", "A" * 150 + "-two"  # the same once cut to fit
    up = small_district(schools=(long_a, long_b))
    run = planned(tmp_path, mail[1], upload=up, schools={long_a: {}, long_b: {}})
    options = approve.open_gate(run).options
    assert len(options) == 4 and len(set(options)) == 4 and all(len(o) <= 200 for o in options)
    approve.record_answer(run, [options[2]], "lead", datetime(2026, 11, 23, 8, 30))
    with run.store(read_only=True) as conn:
        released = conn.execute("SELECT school_id FROM gate_decisions WHERE released").fetchall()
    assert released == [(long_a,)]


def test_a_held_school_that_leaves_the_upload_no_longer_keeps_the_district_replanning(data_root, tmp_path, mail):
    from rostersync import store

    run = planned(tmp_path, mail[1])
    approve.open_gate(run)
    approve.record_answer(run, ["Release N (School N)"], "lead", datetime(2026, 11, 23, 8, 30))
    apply_diff.apply_diff(run)
    with run.store(read_only=True) as conn:
        assert store.query(conn, "runs/select_waiting_schools") == [(1,)]
    only_n = small_district(schools=("N",))
    later = planned(tmp_path, mail[1], "r2", upload=only_n)
    apply_diff.apply_diff(later)  # nothing held: N is in the roster, S is gone from the upload
    with later.store(read_only=True) as conn:
        assert store.query(conn, "runs/select_waiting_schools") == [(0,)]


def test_the_same_upload_is_planned_again_when_the_districts_controls_changed(data_root, tmp_path, mail):
    from conftest import backdate
    from rostersync import landing
    from rostersync.steps import land_files

    folder = backdate(small_district().write(tmp_path / "drop"))
    paused = config(mode="paused")
    landed = land_files.land_files(Run(paused, "r1"), landing.LocalFolder(folder))
    run = Run(paused, "r1", smtp=mail[1])
    with run.store() as conn:
        prepare(conn, small_district(), tmp_path, "r1", paused)
        apply.apply_plan(conn, "r1", landing_sha256=landed.upload_sha256)
    assert roster_schools(run) == {}  # paused: checked and reported only
    assert land_files.land_files(Run(paused, "r2"), landing.LocalFolder(folder)).same_as_run == "r1"
    unpaused = land_files.land_files(Run(config(), "r3"), landing.LocalFolder(folder))
    assert unpaused.same_as_run is None  # the same files may now apply: planned again


def test_an_apply_that_falls_in_a_blackout_window_holds_the_schools_with_no_hold(data_root, tmp_path, mail):
    run = planned(tmp_path, mail[1])
    approve.open_gate(run)
    approve.record_answer(run, ["Approve"], "lead", datetime(2026, 11, 23, 8, 30))
    apply_diff.apply_diff(run)
    up = small_district()
    up.users = [(*u[:3], "Renamed", *u[4:]) if u[0] == "SS000" else u for u in up.users]
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date()  # the district's clock, not the machine's
    window = {"start": today.isoformat(), "end": today.isoformat(), "reason": "testing day"}
    second = planned(tmp_path, mail[1], "r2", upload=up)  # planned outside any window: nothing held
    second = Run(config(approver_emails=[APPROVER], blackout=[window]), "r2", smtp=mail[1])
    with second.store(read_only=True) as conn:
        assert holds.plan_holds(conn, "r2") == []
    result = apply_diff.apply_diff(second)  # but applied inside one
    assert result.held_schools == ["S"] and result.counts["accounts"]["update"] == 0
