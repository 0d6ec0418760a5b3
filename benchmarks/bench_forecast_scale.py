"""`casashore forecast` over many queues (issue 23): time per queue, peak memory, and the same stored forecasts
whatever the number of workers or a Dask cluster.

    python benchmarks/bench_forecast_scale.py [--queues 3 30 300] [--interval 30m] [--horizon 14d]
        [--workers 1 2] [--dask 2] [--runs 1] [--src OTHER_TREE/src] [--cache DIR]

Each queue gets 8 weeks of call records from casashore.plan.synthetic (the plan's seeded generator; volumes,
opening hours, zones and countries vary from queue to queue, see ``queue_specs``), imported into one workspace
per size. The CSV files and the imported workspaces are kept in ``--cache`` (default /tmp/casashore-bench-fscale)
and made once. Each run copies the workspace and runs the CLI (`casashore forecast --json`) in a new Python
process, timed from outside with its imports; ``--workers`` and ``--dask N`` (a LocalCluster of N one-thread
worker processes, started by this script, its start-up and the workers' first import of statsforecast not
counted; the CPU column leaves the cluster's processes out) give one run each. Printed per run: wall
time, the time per queue, peak resident memory (the command's process, and with its local workers), the CPU
seconds of the command and its local workers (load-proof where the wall time is not: a shared machine may give
two workers one core), and
the SHA-256 of the stored forecasts (every column but the run id and the time stamp, in queue and time order):
the same on every run, with any number of workers, on Dask, and with ``--src`` (the code before, for a
side-by-side ratio: the machine is shared, so compare runs made together, not seconds across days).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = date(2026, 12, 7)  # the first day after the history, a Monday
SEED = 23
ZONES = (("Europe/Paris", "FR"), ("Europe/Madrid", "ES"), ("Europe/London", "GB"), ("Europe/Berlin", "DE"),
         ("Europe/Brussels", "BE"), ("Europe/Rome", "IT"))
HOURS = ("08:00-20:00", "09:00-21:00", "08:00-18:00", "07:00-23:00", "00:00-24:00")

MAKE = """
import json, sys
from pathlib import Path
from casashore.workspace.mapping import CallMapping
from casashore.workspace.store import Workspace
queues = json.loads(sys.argv[2])
with Workspace.open(Path(sys.argv[1]), create=True) as ws:
    for q in queues:
        mapping = CallMapping.model_validate({
            "time_zone": q["zone"], "country": q["country"],
            "columns": {c: c for c in ("call_id", "queue", "arrival", "wait_s", "outcome", "handle_s")},
            "outcomes": {"answered": ["ANSWERED"], "abandoned": ["ABANDONED"]}})
        ws.import_calls(Path(q["csv"]), mapping=mapping)
"""

WRITE = """
import json, sys
from pathlib import Path
from casashore.plan.scenario import PlanQueue
from casashore.plan.synthetic import synthetic_calls
from datetime import date
for q in json.loads(sys.argv[1]):
    queue = PlanQueue.model_validate(q["queue"])
    path = Path(q["csv"])
    synthetic_calls(queue, date.fromisoformat(sys.argv[2]), int(sys.argv[3]), path.with_suffix(".partial"))
    path.with_suffix(".partial").replace(path)
"""

# The command in this process, so that its own peak memory can be read when it ends.
RUN = """
import json, resource, sys, time
t0 = time.perf_counter()
from casashore.interfaces.cli.app import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"in_process_s": time.perf_counter() - t0, "peak_kb": me}),
          file=sys.stderr)
"""


def queue_specs(n: int, cache: Path) -> list[dict]:
    """``n`` queues q000 ... : 8 weeks of history, 600 to ~6,000 calls a week, varied hours, zones and countries
    (every size's queues are the first ones of the next size's)."""
    specs = []
    for i in range(n):
        zone, country = ZONES[i % len(ZONES)]
        queue = {"name": f"q{i:03d}", "skill": f"s{i % 7}", "aht_s": 180 + 20 * (i % 9), "patience_s": 120,
                 "client_time_zone": zone, "country": country,
                 "synthetic": {"weekly_calls": 600 + (i * 1777) % 5400, "weeks": 8, "open_hours": HOURS[i % 5],
                               "saturday_share": 0.3 + 0.1 * (i % 4), "sunday_share": 0.2 * (i % 2)}}
        specs.append({"queue": queue, "zone": zone, "country": country,
                      "csv": str(cache / "csv" / f"{queue['name']}.csv")})
    return specs


def python(code: str, src: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(src)}  # this checkout's code, or --src's
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, env=env)


def workspace_of(n: int, cache: Path) -> Path:
    """The workspace of the first ``n`` queues, made once (CSV files written two processes at a time)."""
    base = cache / f"w{n}.duckdb"
    if base.exists():
        return base
    specs = queue_specs(n, cache)
    (cache / "csv").mkdir(parents=True, exist_ok=True)
    missing = [s for s in specs if not Path(s["csv"]).exists()]
    started = time.perf_counter()
    writers = [subprocess.Popen([sys.executable, "-c", WRITE, json.dumps(missing[k::2]), START.isoformat(),
                                 str(SEED)], env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
               for k in range(2) if missing[k::2]]
    if any(w.wait() for w in writers):
        sys.exit("writing the synthetic history failed")
    written = time.perf_counter()
    partial = base.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    python(MAKE, ROOT / "src", str(partial), json.dumps(specs))
    partial.replace(base)
    print(f"{n} queues: history written in {written - started:.1f} s, imported in "
          f"{time.perf_counter() - written:.1f} s", flush=True)
    return base


def stored_digest(path: Path) -> tuple[str, int]:
    """SHA-256 of the stored forecasts, and their row count."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")  # instants printed the same on any machine
    rows = con.execute("""SELECT queue, start_at::VARCHAR, interval_min, model, calls, calls_lo, calls_hi, aht_s
                          FROM forecasts ORDER BY queue, start_at""").fetchall()
    con.close()
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest(), len(rows)


def one_run(base: Path, n: int, args: argparse.Namespace, label: str, extra: list[str], src: Path) -> dict:
    path = args.cache / f"run-{n}.duckdb"
    shutil.copy(base, path)
    command = ["forecast", "--workspace", str(path), "--interval", args.interval, "--horizon", args.horizon,
               "--json", *extra]
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(src)}
    log = args.cache / f"run-{n}.stderr"
    with log.open("w") as errors:  # a file, not a pipe: a full pipe would stall the command
        child = subprocess.Popen([sys.executable, "-c", RUN, *command], stdout=subprocess.DEVNULL, stderr=errors,
                                 env=env)
        tree_peak, cpu_s = _watch(child)
    stderr = log.read_text()
    if child.wait():
        sys.exit(f"the forecast failed:\n{stderr}")
    wall = time.perf_counter() - started
    usage = json.loads(stderr.strip().splitlines()[-1])
    digest, rows = stored_digest(path)
    path.unlink()
    result = {"queues": n, "run": label, "wall_s": wall, "per_queue_s": wall / n, "peak_mb": usage["peak_kb"] / 1024,
              "all_processes_peak_mb": tree_peak / 2**20, "cpu_s": cpu_s, "rows": rows, "sha256": digest}
    print(f"{n:>4} queues  {label:<14} {wall:7.1f} s  {wall / n:6.3f} s/queue  peak {result['peak_mb']:6.0f} MB "
          f"(with its workers {result['all_processes_peak_mb']:5.0f} MB)  CPU {cpu_s:6.1f} s  {rows:>7} rows  "
          f"{digest[:16]}", flush=True)
    return result


def _watch(child: subprocess.Popen) -> tuple[int, float]:
    """Sampled every 0.2 s until ``child`` ends: the peak resident memory of it and its descendants together
    (local workers are the fork server's children, which getrusage does not see), and the CPU seconds (user and
    system) they used, each process's last sample (a process's last 0.2 s may be missed)."""
    import psutil

    peak, cpu = 0, {}
    root = psutil.Process(child.pid)
    while child.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
            for p in tree:
                times = p.cpu_times()
                cpu[p.pid] = times.user + times.system
        except psutil.Error:
            pass  # a process ended while being read
        time.sleep(0.2)
    return peak, sum(cpu.values())


def start_cluster(workers: int):
    from dask.distributed import LocalCluster

    os.environ["PYTHONPATH"] = str(ROOT / "src")  # the workers run this checkout's code
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster.get_client() as client:  # each worker loads statsforecast before the clock starts, as a
        client.run(importlib.import_module, "casashore.forecast.batch")  # long-lived cluster has
    return cluster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, nargs="+", default=[3, 30, 300])
    parser.add_argument("--interval", default="30m")
    parser.add_argument("--horizon", default="14d")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--dask", type=int, nargs="*", default=[], help="LocalCluster sizes to run on")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--src", type=Path, default=None, help="another checkout's src, run first (no workers)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/casashore-bench-fscale"))
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}, {os.cpu_count()} cores", flush=True)
    results = []
    for n in args.queues:
        base = workspace_of(n, args.cache)
        for r in range(args.runs):
            if args.src is not None:
                results.append(one_run(base, n, args, f"--src #{r + 1}", [], args.src))
            for workers in args.workers:
                results.append(one_run(base, n, args, f"workers {workers} #{r + 1}", ["--workers", str(workers)],
                                       ROOT / "src"))
        for size in args.dask:
            with start_cluster(size) as cluster:
                results.append(one_run(base, n, args, f"dask {size}", ["--scheduler", cluster.scheduler_address],
                                       ROOT / "src"))
        digests = {r["sha256"] for r in results if r["queues"] == n}
        if digests:
            verdict = "one result" if len(digests) == 1 else "RESULTS DIFFER"
            print(f"{n:>4} queues: {verdict} over {sum(r['queues'] == n for r in results)} runs", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    print(json.dumps(results))
    if any(len({r["sha256"] for r in results if r["queues"] == n}) > 1 for n in args.queues):
        sys.exit("the stored forecasts differed between runs")


if __name__ == "__main__":
    main()
