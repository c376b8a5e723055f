"""A process killed (SIGKILL) in the middle of apply_diff leaves the roster as it was; the retry applies once.
Two applies of one district at once apply it once; another district never waits. Each on both roster
stores: the DuckDB file, and PostgreSQL (a database cloned from the planned one for each test)."""

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from conftest import roster_in
from roster_helpers import FMT, answer_gate, config
from rostersync import apply, holds, plan, quality, roster_pg, snapshot, store, synth

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


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def backend(request) -> Iterator[str | None]:
    with roster_in(request.param) as url:
        yield url


@contextmanager
def copy_of(source, root) -> Iterator[None]:
    """The planned store copied to `root`: the DuckDB file, and the PostgreSQL roster's database cloned
    (ROSTERSYNC_ROSTER_URL names the clone for the block)."""
    shutil.copytree(source, root)
    url = roster_pg.roster_url()
    if url is None:
        yield
        return
    with roster_in("postgres", template=url.rsplit("/", 1)[1]):
        yield


@pytest.fixture(scope="module")
def planned(tmp_path_factory, backend):
    """A roster with a large first-sync plan computed and approved, not applied."""
    root = tmp_path_factory.mktemp("crash")
    upload = synth.write_remind_csv_v2(synth.generate(8000, seed=5), root / "upload")
    with store.connect("crash", root) as conn:
        snapshot.normalize(conn, FMT, upload, "r1")
        quality.find_record_issues(conn, "r1")
        plan.compute_plan(conn, config(district_id="crash"), "r1")
        holds.detect_holds(conn, config(district_id="crash"), "r1")
        answer_gate(conn, "r1")
        # a first sync: each school logged, and one row per entity for its creates
        planned_rows = conn.execute("SELECT count(*) + 3 FROM plan_schools").fetchone()[0]
    # How long an uninterrupted apply takes, on a copy.
    timing = root.parent / (root.name + "-timing")
    with copy_of(root, timing):
        child = start_apply(timing)
        started = time.monotonic()
        assert child.wait(timeout=300) == 0
    return root, time.monotonic() - started, planned_rows


@pytest.fixture
def planned_copy(planned, tmp_path):
    """The planned store copied for one test (both stores: `copy_of`): its root, the apply's duration, and
    the change-log rows a whole apply writes."""
    source, duration, planned_rows = planned
    root = tmp_path / "roster"
    with copy_of(source, root):
        yield root, duration, planned_rows


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.8])
def test_a_killed_apply_changes_nothing_and_the_retry_applies_once(planned_copy, fraction):
    root, duration, planned_rows = planned_copy
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


def test_two_applies_of_one_district_at_once_apply_it_once(planned_copy):
    """The store has one writer: the second process waits for the first, then finds the run applied."""
    root, _duration, planned_rows = planned_copy
    first, second = (
        start_apply(root),
        subprocess.Popen([sys.executable, "-c", CHILD, str(root)], stdout=subprocess.PIPE, text=True),
    )
    assert first.wait(timeout=300) == 0 and second.wait(timeout=300) == 0
    assert second.stdout is not None and second.stdout.read().split() == ["applying", "applied"]
    after = roster(root)
    assert after["sync_runs"][0] == 1 and after["change_log"][0] == planned_rows  # applied once
    with store.connect("crash", root, read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] > 8000


HOLD = """
import sys, time
from pathlib import Path
from rostersync import store
with store.connect(sys.argv[2], Path(sys.argv[1])) as conn:
    print("holding", flush=True)
    time.sleep(120)
"""


def test_another_districts_apply_never_waits_for_a_busy_district(planned_copy):
    """One store per district: a district whose store another process holds does not hold up the rest."""
    root, _duration, planned_rows = planned_copy
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(root), "other"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        child = start_apply(root)
        assert child.wait(timeout=300) == 0
        assert holder.poll() is None  # the other district's store was held the whole time
    finally:
        holder.kill()
        holder.wait()
    assert roster(root)["change_log"][0] == planned_rows


FULL_DISK = """
import resource, signal, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from roster_helpers import answer_gate, prepare, small_district
from rostersync import apply, store
root = Path(sys.argv[1])
with store.connect("full", root) as conn:
    prepare(conn, small_district(students_per_school=200), root, "r1")
    answer_gate(conn, "r1")
    conn.execute("CHECKPOINT")
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
    apply.apply_plan(conn, "r1")
"""


def test_a_commit_that_cannot_be_written_leaves_the_roster_and_names_the_cause(tmp_path, monkeypatch):
    """The write of the apply's commit fails (a full disk, here a file size limit): the roster is as it
    was, and the last thing the user reads is the cause, not a failed rollback. (The DuckDB file's
    commit; PostgreSQL's is PostgreSQL's.)"""
    from pathlib import Path

    monkeypatch.delenv("ROSTERSYNC_ROSTER_URL", raising=False)
    tests = str(Path(__file__).parent)
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(tmp_path), tests], capture_output=True, text=True, timeout=300
    )
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert "File too large" in last and "Failed to commit" in last, last
    assert "rollback" not in done.stderr.lower()
    with store.connect("full", tmp_path) as conn:
        assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM sync_runs WHERE applied_at IS NOT NULL").fetchone() == (0,)
