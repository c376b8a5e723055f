"""`make bench`: every stage of the pipeline, timed outside the scheduler, against a pandas baseline.

For each size (students) it generates a district and its next day (1% churn, and 10% churn) with
rostersync.synth, then, each in a fresh process so its peak memory is its own: the initial sync into
an empty roster and the nightly syncs on top of it, for rostersync and for the pandas baseline. Each
stage is timed in wall seconds and CPU-seconds (this process and its children), with the peak size of
DuckDB's spill files during it, and each measurement records the load average when it started (wall
time on a shared machine swings with load; CPU-seconds are the stable figure). For the smallest size
it also times one dag.test() run, its orchestration overhead, and each task's time beyond its stage's
own work. Writes bench/results.json and the figures table of bench/README.md.

    python -m bench.run [--sizes 10000,100000,1000000] [--out bench] [--no-airflow]
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
STAGES = ("land", "format_check", "normalize", "expectations", "detect_holds", "apply_diff", "notify")
CASES = {"initial": "day0", "nightly": "day1", "nightly10": "day1_10", "replan": "day1"}
"""Each case's upload: the first sync, a 1% churn night, a 10% churn night (both on the initial roster),
and the 1% night planned in full (as after a release, a rollback or a settings change)."""
FULL_PLAN_CASES = {"replan"}
"""Measured for rostersync alone: the pandas baseline has no incremental plan to compare against."""
PANDAS_STAGES = ("normalize", "detect_holds", "apply_diff")


def work_dir(out: Path, students: int) -> Path:
    return out / "out" / f"{students}"


def generate(out: Path, students: int) -> None:
    """day0 and day1 (1% churn) uploads, written once and reused."""
    from rostersync import synth

    folder = work_dir(out, students)
    if (folder / "generated.ok").exists() and (folder / "day1_10").is_dir():
        return
    shutil.rmtree(folder, ignore_errors=True)
    district = synth.generate(students, seed=1)
    synth.write_remind_csv_v2(district, folder / "day0")
    synth.write_remind_csv_v2(synth.next_day(district, churn=0.01, seed=2), folder / "day1")
    synth.write_remind_csv_v2(synth.next_day(district, churn=0.10, seed=3), folder / "day1_10")
    (folder / "generated.ok").write_text("ok")


def _cpu_seconds() -> float:
    """CPU-seconds (user + system) of this process and of its children that ended."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class SpillWatch:
    """The peak size of DuckDB's spill files (its temp directory beside the store) while a stage runs,
    sampled every 0.1 s."""

    def __init__(self, folder: Path):
        import threading

        self.folder, self.peak, self._stop = folder, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                size = sum(f.stat().st_size for f in self.folder.glob("*") if f.is_file())
            except OSError:  # a file went away while summed
                size = 0
            self.peak = max(self.peak, size)
            self._stop.wait(0.1)

    def __enter__(self) -> SpillWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _input_rows(folder: Path) -> int:
    return sum(sum(1 for _ in p.open("rb")) - 1 for p in folder.glob("*.csv"))


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def write_district(folder: Path, settle_seconds: int) -> Path:
    """The benchmark district's YAML (SFTP connection `sftp_bench`, Remind CSV 2.0)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.yaml"
    path.write_text(
        "district_id: bench\nname: Bench Unified\nadmin_emails: [admin@bench.example.org]\n"
        f"source: {{format: remind_csv_v2, conn_id: sftp_bench, settle_seconds: {settle_seconds}}}\n"
    )
    return path


def connection(conn_type: str, **fields: object) -> str:
    return json.dumps({"conn_type": conn_type, **fields})


def measure_rostersync(out: Path, students: int, case: str) -> dict:
    folder = work_dir(out, students)
    root = folder / "rostersync" / case
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    load_average = round(os.getloadavg()[0], 2)
    if case != "initial":
        shutil.copytree(folder / "rostersync" / "initial-roster", root / "bench", dirs_exist_ok=True)
    os.environ["ROSTERSYNC_DATA"] = str(root)
    if case in FULL_PLAN_CASES:
        os.environ["ROSTERSYNC_FULL_PLAN"] = "1"  # this process's own: each measurement is a child
    from rostersync import gate, landing, notify, steps, store
    from rostersync.config import load_district
    from rostersync.dev.servers import SmtpSink
    from rostersync.run import Run

    config = load_district(write_district(root / "config", settle_seconds=0))
    upload = folder / CASES[case]
    run_id = f"bench_{case}"
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    spill: dict[str, float] = {}
    spill_folder = Path(f"{store.roster_path('bench', root)}.tmp")  # DuckDB's default temp directory

    def stage(name: str, fn):
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        with SpillWatch(spill_folder) as watch:
            result = fn()
        seconds[name] = round(time.perf_counter() - started, 3)
        cpu[name] = round(_cpu_seconds() - cpu_started, 3)
        spill[name] = round(watch.peak / 2**20, 1)
        return result

    with SmtpSink() as sink:
        smtp = notify.SmtpSettings(host="127.0.0.1", port=sink.port, from_email="bench@example.org")
        landed = stage("land", lambda: steps.land_files.land_files(Run(config, run_id), landing.LocalFolder(upload)))
        assert not landed.waiting_on, landed
        stage("format_check", lambda: steps.format_check.format_check(Run(config, run_id, smtp=smtp)))
        stage("normalize", lambda: steps.normalize.normalize(Run(config, run_id)))
        stage("expectations", lambda: steps.expectations.expectations(Run(config, run_id)))
        held = stage("detect_holds", lambda: steps.detect_holds.detect_holds(Run(config, run_id)))

        def approve_and_apply():
            if steps.approve.open_gate(Run(config, run_id)).needed:  # the approver's answer, as stored by the gate
                steps.approve.record_answer(Run(config, run_id), gate.APPROVE, "bench", datetime.now(UTC))
            return steps.apply_diff.apply_diff(Run(config, run_id))

        applied = stage("apply_diff", approve_and_apply)
        stage("notify", lambda: steps.notify.notify_admins(Run(config, run_id, smtp=smtp)))
    roster = store.roster_path("bench", root)
    if case == "initial":
        shutil.copytree(root / "bench", folder / "rostersync" / "initial-roster", dirs_exist_ok=True)
    total = round(sum(seconds.values()), 3)
    return {
        "students": students,
        "case": case,
        "impl": "rostersync",
        "stage_seconds": seconds,
        "stage_cpu_seconds": cpu,
        "stage_spill_mib": spill,
        "total_seconds": total,
        "total_cpu_seconds": round(sum(cpu.values()), 3),
        "load_average": load_average,
        "rows_per_second": round(_input_rows(upload) / total),
        "peak_rss_mib": _peak_mib(),
        "roster_mib": round(roster.stat().st_size / 2**20, 1),
        "changes": applied.counts,
        "holds": len(held.holds),
        "plan": f"incremental on {held.base_run}" if held.base_run else "full",
    }


def measure_pandas(out: Path, students: int, case: str) -> dict:
    from bench import pandas_baseline as pb

    folder = work_dir(out, students)
    roster_dir = folder / "pandas" / case
    shutil.rmtree(roster_dir, ignore_errors=True)
    load_average = round(os.getloadavg()[0], 2)
    if case != "initial":
        shutil.copytree(folder / "pandas" / "initial-roster", roster_dir)
    upload = folder / CASES[case]
    seconds: dict[str, float] = {}
    cpu_started = _cpu_seconds()
    started = time.perf_counter()
    snapshot = pb.normalize(upload)
    seconds["normalize"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    roster = pb.load_roster(roster_dir)
    changes = pb.diff(snapshot, roster)
    seconds["detect_holds"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    counts = pb.apply(changes, roster, roster_dir)
    seconds["apply_diff"] = round(time.perf_counter() - started, 3)
    if case == "initial":
        shutil.copytree(roster_dir, folder / "pandas" / "initial-roster", dirs_exist_ok=True)
    total = round(sum(seconds.values()), 3)
    return {
        "students": students,
        "case": case,
        "impl": "pandas",
        "stage_seconds": seconds,
        "total_seconds": total,
        "total_cpu_seconds": round(_cpu_seconds() - cpu_started, 3),
        "load_average": load_average,
        "rows_per_second": round(_input_rows(upload) / total),
        "peak_rss_mib": _peak_mib(),
        "roster_mib": round(sum(p.stat().st_size for p in roster_dir.glob("*.pkl")) / 2**20, 1),
        "changes": counts,
    }


def measure_airflow(out: Path, students: int) -> dict:
    """Wall time of one dag.test() of the initial sync, the approval answered by a helper thread."""
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="bench-airflow-"))
    os.environ.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "ROSTERSYNC_DATA": str(home / "data"),
            "ROSTERSYNC_CONFIG": str(home / "config"),
        }
    )
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True, timeout=600)
    sys.path.insert(0, str(REPO / "tests"))
    from hitl import GateAnswerer  # the test helper that answers the gate as the REST API does
    from rostersync.dev.servers import SftpServer, SmtpSink
    from rostersync.dev.stack import seed_sftp

    write_district(home / "config", settle_seconds=60)
    with SftpServer(home / "sftp", {"bench": "pw"}) as sftp, SmtpSink() as smtp:
        seed_sftp(home / "sftp", "bench", work_dir(out, students) / "day0")
        os.environ["AIRFLOW_CONN_SFTP_BENCH"] = connection(
            "sftp", host="127.0.0.1", port=sftp.port, login="bench", password="pw", extra={"no_host_key_check": True}
        )
        os.environ["AIRFLOW_CONN_SMTP_DEFAULT"] = connection(
            "smtp", host="127.0.0.1", port=smtp.port, extra={"disable_tls": True, "disable_ssl": True}
        )
        from airflow.dag_processing.dagbag import DagBag

        dag = DagBag(dag_folder=str(REPO / "dags" / "district_sync.py")).dags["roster_sync__bench"]
        answerer = GateAnswerer(dag.dag_id, "Approve")
        answerer.start()
        load_average = round(os.getloadavg()[0], 2)
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        dag_run = dag.test()
        wall = round(time.perf_counter() - started, 3)
        answerer.stop()
        if answerer.error:
            raise RuntimeError(f"the gate was not answered: {answerer.error!r}")
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session

        with create_session() as session:
            task_seconds = {
                ti.task_id: round((ti.end_date - ti.start_date).total_seconds(), 3)
                for ti in session.query(TaskInstance).filter(
                    TaskInstance.dag_id == dag.dag_id, TaskInstance.run_id == dag_run.run_id
                )
                if ti.start_date and ti.end_date
            }
    return {
        "students": students,
        "case": "initial",
        "impl": "airflow-dag.test",
        "state": str(dag_run.state),
        "total_seconds": wall,
        "total_cpu_seconds": round(_cpu_seconds() - cpu_started, 3),
        "load_average": load_average,
        "task_seconds": task_seconds,
        "peak_rss_mib": _peak_mib(),
    }


def _child(args: list[str], seconds: int) -> dict:
    """Run one measurement in a fresh process. A child still running after `seconds` prints every
    thread's stack to its stderr and exits (faulthandler), so a stuck run fails saying where it was."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", *args, "--give-up-after", str(seconds)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench child {args} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> dict:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def table(results: list[dict]) -> str:
    """Per stage: wall seconds / CPU-seconds (and the spill's peak MiB when DuckDB spilled)."""
    lines = [
        "| students | case | impl | load | "
        + " | ".join(STAGES)
        + " | total s | CPU s | rows/s | peak MiB | roster MiB |",
        "|---:|---|---|---:|" + "---:|" * (len(STAGES) + 5),
    ]
    for r in results:
        if "stage_seconds" not in r:
            continue
        cells = []
        for stage in STAGES:
            wall = r["stage_seconds"].get(stage)
            cpu = r.get("stage_cpu_seconds", {}).get(stage)
            spilled = r.get("stage_spill_mib", {}).get(stage)
            cell = "" if wall is None else f"{wall}" + (f" / {cpu}" if cpu is not None else "")
            cells.append(cell + (f" (spill {spilled:,} MiB)" if spilled else ""))
        lines.append(
            f"| {r['students']:,} | {r['case']} | {r['impl']} | {r.get('load_average', '')} | {' | '.join(cells)} | "
            f"{r['total_seconds']} | {r.get('total_cpu_seconds', '')} | {r['rows_per_second']:,} | "
            f"{r['peak_rss_mib']:,} | {r['roster_mib']} |"
        )
    return "\n".join(lines)


def comparisons(results: list[dict]) -> list[str]:
    """Ratios against the baseline and the targets, in words."""
    out = []
    by = {(r["students"], r["case"], r["impl"]): r for r in results}
    for (students, case, impl), r in sorted(by.items()):
        if impl != "rostersync" or (students, case, "pandas") not in by:
            continue
        p = by[(students, case, "pandas")]
        ours = sum(r["stage_seconds"][s] for s in PANDAS_STAGES)
        theirs = sum(p["stage_seconds"][s] for s in PANDAS_STAGES)
        per_stage = ", ".join(
            f"{s} {r['stage_seconds'][s] / max(p['stage_seconds'][s], 1e-9):.2f}" for s in PANDAS_STAGES
        )
        out.append(
            f"{students:,} {case}: normalize+diff+apply {ours:.1f} s vs pandas {theirs:.1f} s "
            f"(speed-up over pandas {theirs / max(ours, 1e-9):.1f}x; time per stage rostersync/pandas: {per_stage}); "
            f"peak {r['peak_rss_mib']:,} MiB vs {p['peak_rss_mib']:,} MiB; "
            f"expectations {100 * r['stage_seconds']['expectations'] / r['total_seconds']:.0f}% of the total; "
            f"planned {r.get('plan', '(not recorded)')}"
        )
    for students in sorted({r["students"] for r in results}):
        one, ten = by.get((students, "nightly", "rostersync")), by.get((students, "nightly10", "rostersync"))
        if one and ten:
            out.append(
                f"{students:,}: a 10% churn night takes {ten['total_seconds'] / one['total_seconds']:.1f}x the 1% "
                f"night in wall time, {ten['total_cpu_seconds'] / one['total_cpu_seconds']:.1f}x in CPU-seconds "
                "(target <= 2x)"
            )
        full = by.get((students, "replan", "rostersync"))
        if one and full:
            out.append(
                f"{students:,}: the 1% night planned in full (after a release, a rollback, a settings change): "
                f"detect_holds {full['stage_seconds']['detect_holds']} s, incremental "
                f"{one['stage_seconds']['detect_holds']} s; all stages {full['total_seconds']} s"
            )
    sizes = sorted({r["students"] for r in results if r["impl"] == "rostersync"})
    if 100_000 in sizes and 1_000_000 in sizes:
        for case in ("initial", "nightly"):
            ratio = (
                by[(1_000_000, case, "rostersync")]["total_seconds"]
                / by[(100_000, case, "rostersync")]["total_seconds"]
            )
            out.append(f"{case}: 1M takes {ratio:.1f}x the 100k run (target <= 12x)")
    for r in results:
        if r["impl"] == "airflow-dag.test":
            out.append(
                f"Airflow: one dag.test() of {r['students']:,} students took {r['total_seconds']} s; its stages "
                f"{r['stage_seconds_sum']} s; orchestration overhead {r['orchestration_overhead_seconds']} s per run"
            )
            beyond = r.get("task_beyond_stage_seconds")
            if beyond:
                out.append(
                    "Airflow, per task, its time beyond its stage's own work (start-up, imports, XCom): "
                    + ", ".join(f"{task} {extra}" for task, extra in beyond.items())
                )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "mode",
        nargs="?",
        default="all",
        choices=["all", "generate", "measure", "airflow", "report"],
        help="all (default); report: rewrite README.md's figures from an existing results.json",
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--students", type=int)
    parser.add_argument("--case", choices=list(CASES))
    parser.add_argument("--impl", choices=["rostersync", "pandas"])
    parser.add_argument("--out", type=Path, default=BENCH)
    parser.add_argument("--no-airflow", action="store_true")
    parser.add_argument("--child-timeout", type=int, default=3600, help="seconds a measurement may take")
    parser.add_argument("--give-up-after", type=int, help=argparse.SUPPRESS)  # set by _child
    args = parser.parse_args(argv)
    if args.give_up_after:
        faulthandler.dump_traceback_later(args.give_up_after, exit=True)
    if args.mode == "generate":
        generate(args.out, args.students)
        print(json.dumps({"generated": args.students}))
        return 0
    if args.mode == "measure":
        measure = measure_rostersync if args.impl == "rostersync" else measure_pandas
        print(json.dumps(measure(args.out, args.students, args.case)))
        return 0
    if args.mode == "airflow":
        print(json.dumps(measure_airflow(args.out, args.students)))
        return 0

    if args.mode == "report":
        results = json.loads((args.out / "results.json").read_text())
        report(args.out, results, results[0]["machine"], results[0]["commit"])
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    info, head = machine(), commit()
    results = []
    for students in sizes:
        started = time.perf_counter()
        _child(["generate", "--students", str(students), "--out", str(args.out)], args.child_timeout)
        print(f"{students:,} students: data ready in {time.perf_counter() - started:.0f} s", flush=True)
        for case in CASES:
            for impl in ("rostersync",) if case in FULL_PLAN_CASES else ("rostersync", "pandas"):
                run = _child(
                    ["measure", "--students", str(students), "--case", case, "--impl", impl, "--out", str(args.out)],
                    args.child_timeout,
                )
                run.update(machine=info, commit=head)
                results.append(run)
                print(
                    f"  {case:<8} {impl:<10} {run['total_seconds']:>8.2f} s  peak {run['peak_rss_mib']:>8,} MiB",
                    flush=True,
                )
    if not args.no_airflow:
        smallest = min(sizes)
        run = _child(["airflow", "--students", str(smallest), "--out", str(args.out)], args.child_timeout)
        stages = next(
            r for r in results if (r["students"], r["case"], r["impl"]) == (smallest, "initial", "rostersync")
        )
        run["stage_seconds_sum"] = stages["total_seconds"]
        run["orchestration_overhead_seconds"] = round(run["total_seconds"] - stages["total_seconds"], 3)
        stage_of = {"land_files": "land"}  # task id -> stage name, where they differ
        run["task_beyond_stage_seconds"] = {
            task: round(seconds - stages["stage_seconds"][stage_of.get(task, task)], 3)
            for task, seconds in run.get("task_seconds", {}).items()
            if stage_of.get(task, task) in stages["stage_seconds"]
        }
        run.update(machine=info, commit=head)
        results.append(run)
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    report(args.out, results, info, head)
    return 0


def report(out: Path, results: list[dict], info: dict, head: str) -> None:
    """Print the figures and write them into README.md between its markers."""
    figures = "\n".join(
        [
            f"Latest run: commit {head}, {info['cores']} cores, {info['memory_gib']} GiB, Python {info['python']}.",
            "",
            table(results),
            "",
            *[f"- {line}" for line in comparisons(results)],
        ]
    )
    print()
    print(figures)
    readme = out / "README.md"
    if readme.exists():
        text = readme.read_text()
        start, end = "<!-- figures: written by python -m bench.run -->", "<!-- end figures -->"
        if start in text and end in text:
            head_text, rest = text.split(start, 1)
            readme.write_text(head_text + start + "\n" + figures + "\n" + end + rest.split(end, 1)[1])


if __name__ == "__main__":
    raise SystemExit(main())
