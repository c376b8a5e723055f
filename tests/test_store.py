"""The district store: a second process waits for the lock, then gets a clear error naming the file."""

import subprocess
import sys
import textwrap
import time

import pytest
from rostersync import store

HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from rostersync import store
    with store.connect("unit", Path(sys.argv[1])) as conn:
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def _hold(tmp_path, seconds):
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "holding"
    return process


def test_a_busy_store_is_waited_for_then_opened(tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTERSYNC_LOCK_WAIT_SECONDS", "30")
    holder = _hold(tmp_path, 1.5)
    started = time.monotonic()
    with store.connect("unit", tmp_path) as conn:
        waited = time.monotonic() - started
        assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (0,)
    holder.wait(timeout=30)
    assert waited > 0.5  # it did wait for the other process


def test_a_store_busy_for_too_long_fails_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("ROSTERSYNC_LOCK_WAIT_SECONDS", "1")
    holder = _hold(tmp_path, 20)
    try:
        with pytest.raises(store.RosterBusy, match=r"roster\.duckdb stayed in use by another process for 1 s"):
            with store.connect("unit", tmp_path):
                pass
    finally:
        holder.kill()
        holder.wait()
