"""The benchmark's smoke run: the 10,000-student size, every stage, both implementations, one dag.test()."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
STAGES = {"land", "format_check", "normalize", "expectations", "detect_holds", "apply_diff", "notify"}

pytestmark = pytest.mark.timeout(900)


def test_the_smallest_benchmark_runs_and_writes_its_results(tmp_path):
    done = subprocess.run(
        # A stuck measurement gives up after 300 s with its threads' stacks, well inside pytest's timeout.
        [sys.executable, "-m", "bench.run", "--sizes", "10000", "--out", str(tmp_path), "--child-timeout", "300"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=880,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    runs = {(r["case"], r["impl"]): r for r in results}
    assert set(runs) == {
        ("initial", "rostersync"),
        ("initial", "pandas"),
        ("nightly", "rostersync"),
        ("nightly", "pandas"),
        ("nightly10", "rostersync"),
        ("nightly10", "pandas"),
        ("replan", "rostersync"),
        ("initial", "airflow-dag.test"),
    }
    for (_case, impl), run in runs.items():
        assert run["students"] == 10000 and run["commit"] and run["machine"]["cores"] >= 1
        assert run["total_seconds"] > 0 and run["peak_rss_mib"] > 0
        assert run["total_cpu_seconds"] > 0 and run["load_average"] >= 0  # CPU-seconds beside wall time
        if impl == "rostersync":
            assert set(run["stage_seconds"]) == set(run["stage_cpu_seconds"]) == set(run["stage_spill_mib"]) == STAGES
            assert run["roster_mib"] > 0 and run["rows_per_second"] > 0
    initial, nightly = runs[("initial", "rostersync")], runs[("nightly", "rostersync")]
    assert initial["changes"]["accounts"]["create"] > 10000
    assert 0 < nightly["changes"]["accounts"]["remove"] < initial["changes"]["accounts"]["create"] // 10
    assert nightly["plan"].startswith("incremental") and runs[("replan", "rostersync")]["plan"] == "full"
    assert runs[("replan", "rostersync")]["changes"] == nightly["changes"]
    ten = runs[("nightly10", "rostersync")]
    assert ten["changes"]["accounts"]["remove"] > 5 * nightly["changes"]["accounts"]["remove"]  # ten times the churn
    airflow = runs[("initial", "airflow-dag.test")]
    assert airflow["state"] == "success"
    assert {"normalize", "detect_holds", "apply_diff"} <= set(airflow["task_beyond_stage_seconds"])
    assert "orchestration overhead" in done.stdout and "10% churn night takes" in done.stdout
