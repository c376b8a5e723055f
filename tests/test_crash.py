"""A process killed (SIGKILL) in the middle of apply_diff leaves the roster as it was; the retry applies once."""

import shutil
import signal
import subprocess
import sys
import time

import pytest
from roster_helpers import FMT, answer_gate, config
from rostersync import apply, holds, plan, quality, snapshot, store, synth

pytestmark = pytest.mark.timeout(600)

CHILD = """
import sys
from pathlib import Path
from rostersync import apply, store
with store.connect("crash", Path(sys.argv[1])) as conn:
    print("applying", flush=True)
    apply.apply_plan(conn, "r1")
    print("applied", flush=True)
"""


def roster(root):
    with store.connect("crash", root, read_only=True) as conn:
        tables = ("accounts", "classes", "memberships", "schools", "change_log", "sync_runs")
        return {
            t: conn.execute(f"SELECT count(*), coalesce(bit_xor(hash(*COLUMNS(*))), 0) FROM {t}").fetchone()
            for t in tables
        }


def start_apply(root):
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(root)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "applying"
    return child


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """A roster with a large first-sync plan computed and approved, not applied."""
    root = tmp_path_factory.mktemp("crash")
    upload = synth.write_remind_csv_v2(synth.generate(8000, seed=5), root / "upload")
    with store.connect("crash", root) as conn:
        snapshot.normalize(conn, FMT, upload, "r1")
        quality.find_record_issues(conn, "r1")
        plan.compute_plan(conn, config(district_id="crash"), "r1")
        holds.detect_holds(conn, config(district_id="crash"), "r1")
        answer_gate(conn, "r1")
        planned_rows = conn.execute(
            "SELECT (SELECT count(*) FROM plan_accounts) + (SELECT count(*) FROM plan_classes)"
            " + (SELECT count(*) FROM plan_memberships) + (SELECT count(*) FROM plan_schools)"
        ).fetchone()[0]
    # How long an uninterrupted apply takes, on a copy.
    timing = root.parent / (root.name + "-timing")
    shutil.copytree(root, timing)
    child = start_apply(timing)
    started = time.monotonic()
    assert child.wait(timeout=300) == 0
    return root, time.monotonic() - started, planned_rows


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.8])
def test_a_killed_apply_changes_nothing_and_the_retry_applies_once(planned, tmp_path, fraction):
    source, duration, planned_rows = planned
    root = tmp_path / "roster"
    shutil.copytree(source, root)
    before = roster(root)
    child = start_apply(root)
    time.sleep(duration * fraction)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    after_kill = roster(root)
    print(f"kill at {fraction:.0%} of {duration:.2f} s: roster {'unchanged' if after_kill == before else 'applied'}")
    if after_kill != before:  # the kill came after the commit: the whole run is there
        assert after_kill["sync_runs"][0] == 1 and after_kill["change_log"][0] == planned_rows
    with store.connect("crash", root) as conn:
        result = apply.apply_plan(conn, "r1")
        assert conn.execute("SELECT count(*) FROM change_log WHERE run_id = 'r1'").fetchone()[0] == planned_rows
        again = apply.apply_plan(conn, "r1")
    assert again.already_applied
    assert sum(sum(c.values()) for c in result.counts.values()) > 0
