"""The district store: a second process waits for the lock, then gets a clear error naming the file."""

import subprocess
import sys
import textwrap
import time

import duckdb
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


def test_a_store_kept_apart_from_the_data_is_never_started_again_empty_on_another_host(tmp_path, monkeypatch):
    """With ROSTERSYNC_STORES (a worker host's disk) apart from ROSTERSYNC_DATA (shared), the shared data
    records where a district's store was made; a task on a host without it is refused (R051)."""
    from rostersync import store

    monkeypatch.setenv("ROSTERSYNC_DATA", str(tmp_path / "shared"))
    monkeypatch.setenv("ROSTERSYNC_STORES", str(tmp_path / "host_a"))
    with store.connect("d1") as conn:
        conn.execute("CREATE TABLE kept (x INT)")
    home = tmp_path / "shared" / "d1" / store.HOME_MARKER
    assert home.exists() and str(tmp_path / "host_a") in home.read_text()
    with store.connect("d1", read_only=True):  # the same host opens it as ever
        pass
    monkeypatch.setenv("ROSTERSYNC_STORES", str(tmp_path / "host_b"))
    with pytest.raises(store.StoreElsewhere, match="created on host .* this host .* has none") as refused:
        with store.connect("d1", read_only=True):
            pass
    assert refused.value.code == "R051"
    assert not (tmp_path / "host_b" / "d1").exists()  # nothing was created there
    monkeypatch.delenv("ROSTERSYNC_STORES")  # the embedded default: stores in the data folder, no record
    with store.connect("d2"):
        pass
    assert not (tmp_path / "shared" / "d2" / store.HOME_MARKER).exists()


DUCKDB_2_HEADER = bytes.fromhex(
    "110179f3805242604455434be70300000000000000000000000000000000000000000000000000000000000000000000"
    "0000000076322e302e300000000000000000000000000000000000000000000000000000643534636262653364660000"
    "000000000000000000000000000000000000000000000000000000001236e020fd7bc0e219cfe0e1d115f839"
)
"""The main header of a file DuckDB 2.0.0 wrote (storage version 999; the rest of the block is zeros)."""


def test_a_file_from_a_newer_duckdb_is_refused_clearly_and_left_as_it_is(tmp_path):
    """Round 2 moved to DuckDB's 1.4 line (for its PostgreSQL extension): a store written by DuckDB 2.0
    is named as such, never waited on as a lock, read as damaged or replaced."""
    from rostersync.errors import RosterSyncError

    path = store.roster_path("newer", tmp_path)
    path.parent.mkdir(parents=True)
    written = DUCKDB_2_HEADER.ljust(3 * 4096, b"\0")
    path.write_bytes(written)
    started = time.monotonic()
    with pytest.raises(RosterSyncError) as refused, store.connect("newer", tmp_path):
        pass
    assert refused.value.code == "R054" and "EXPORT DATABASE" in str(refused.value)
    assert time.monotonic() - started < 30  # refused at once, not retried as a lock
    assert path.read_bytes() == written


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2GB", 2 * 10**9), ("512MiB", 512 * 2**20), ("1.5 GiB", int(1.5 * 2**30)), ("800mb", 800 * 10**6)],
)
def test_the_memory_bound_is_read_in_bytes_as_duckdb_reads_it(monkeypatch, text, expected):
    """The plan's passes follow the bound: GB is 10^9 bytes, GiB 2^30, as DuckDB's own SET reads them."""
    monkeypatch.setenv("ROSTERSYNC_DUCKDB_MEMORY", text)
    assert store.memory_limit_bytes() == expected
    conn = duckdb.connect(config={"memory_limit": text})
    try:
        (shown,) = conn.execute("SELECT current_setting('memory_limit')").fetchone() or ("",)
    finally:
        conn.close()
    number, unit = shown.split()  # one decimal: 2GB shows as 1.8 GiB, 2GiB as 2.0 GiB (7% apart)
    assert abs(float(number) * {"MiB": 2**20, "GiB": 2**30}[unit] - expected) < 0.05 * expected
