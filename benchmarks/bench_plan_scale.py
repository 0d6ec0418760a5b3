"""Issue 23's plan at scale: `casashore plan` cold (a fresh workspace and history directory each run) on the
generated BPO scenarios of benchmarks/scale_scenarios.py, N queues x D days. Per run: wall time per step (history,
forecast, staffing, schedule, simulation, sizing; the schedule and simulation summed over the goal loop's rounds),
the rounds, peak memory, the verdict, the schedule's gap and stopped_by, and a hash of the --json (the report path
apart); each scenario runs twice, and the two hashes must be equal.

    python benchmarks/bench_plan_scale.py [--queues 3 12 30] [--days 7 28] [--runs 2] [--dask N ...] [--workers N] \
        [--json-out rows.json]

``--dask N ...`` also runs each scenario with ``--scheduler`` on a LocalCluster of N one-thread worker processes
(``--dask 1 2 4``: three clusters, one after the other), each started once and warmed (statsforecast imported and
the simulator's engine loaded on every worker) before any clock starts, as a long-lived cluster would be;
``--workers N`` also runs it on N local processes. Every run's hash must equal the local one's, and a line per
scenario gives the speed-up (local total / that total) and the time the forecast and simulation steps gained or
lost (the steps whose batches moved; the rest runs here alike).

With --json-out, every run's row (queues, days, where, run, wall_s, steps, ...) is also written there as JSON,
which benchmarks/plot_scale.py draws.

Each run is its own process (imports and numba's cache load included in "total", as for a user; the steps are
timed between the pipeline's progress notes). Prints Markdown for docs/benchmarks.md. Times are wall-clock on a
shared machine: compare the rows of one run with each other, not with another day's."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale_scenarios import write_scenarios  # noqa: E402  (a sibling script, not a package)

STEPS = ("history", "forecast", "staffing", "schedule", "simulation", "sizing")


def _digest(chunks) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk.encode())
    return digest.hexdigest()


def one_plan(scenario_path: Path, directory: Path, scheduler: str | None = None, workers: int | None = None) -> dict:
    """A cold plan in this process (called in a child): step times, rounds, verdict, schedule, --json hash; its
    batches on the Dask cluster at ``scheduler`` or on ``workers`` local processes when given."""
    from casashore.domain.json_record import json_chunks_after
    from casashore.plan.scenario import load_plan_scenario
    from casashore.usecases.plan import run_plan
    from casashore.workers import Execution

    started = time.perf_counter()
    scenario = load_plan_scenario(scenario_path)
    times: dict[str, float] = {}
    last: list = [time.perf_counter(), None]

    def note(step: str, detail: str = "", share: float = 0.0) -> None:
        now = time.perf_counter()
        if last[1] is not None:
            times[last[1]] = times.get(last[1], 0.0) + now - last[0]
        last[:] = [now, step]

    report = directory / "plan.html"
    result = run_plan(scenario, directory / "ws.duckdb", report, "en", fresh=False, progress=note,
                      execution=Execution(workers=workers, scheduler=scheduler))
    note("report")
    total = time.perf_counter() - started
    # Hashed as written, in pieces (json_chunks_after): the --json's bytes without its whole text or dict tree.
    document = _digest(json_chunks_after({"report": "REPORT"}, result))
    # The same hash without the schedule's "polished" count (a statistic the third pass of issue 23 added): equal
    # to the earlier sections' hashes when the plan did not change.
    solver = result.schedule.solver
    if isinstance(solver, dict):
        solver = {k: v for k, v in solver.items() if k != "polished"}
    earlier = dataclasses.replace(result, schedule=dataclasses.replace(result.schedule, solver=solver))
    earlier_hash = _digest(json_chunks_after({"report": "REPORT"}, earlier))[:16]
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return {"steps": times, "total_in_process_s": total, "rounds": len(result.rounds),
            "verdict": result.verdict.status, "reasons": [r.reason for r in result.verdict.reasons],
            "gap": result.schedule.gap, "stopped_by": result.schedule.stopped_by, "solver": result.schedule.solver,
            "hash": document[:16], "hash_without_polished": earlier_hash,
            "peak_mb": peak / 1024}


def run_child(scenario: Path, directory: Path, where: list[str]) -> dict:
    directory.mkdir(parents=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--one", str(scenario), str(directory), *where],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1:], "wall_s": time.perf_counter() - started}
    row = json.loads(done.stdout.strip().splitlines()[-1])
    row["wall_s"] = time.perf_counter() - started
    return row


def warm_worker() -> None:
    """What a long-lived worker has done before its first plan: statsforecast and the engine loaded."""
    import casashore.forecast.batch  # noqa: F401  (imported for its import time only)
    import casashore.simulate.many  # noqa: F401
    from casashore.simulate.replications import ensure_compiled

    ensure_compiled()


def start_cluster(workers: int):
    """A LocalCluster of ``workers`` one-thread processes, warmed."""
    import logging

    from dask.distributed import LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR)
    with cluster.get_client() as client:
        client.run(warm_worker)
    return cluster


def compared(rows: dict[str, list[dict]]) -> str:
    """One line: each way's mean total against the local one's, the forecast's and simulation's seconds, and
    whether every hash is the local one."""
    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    local = rows["local"]
    parts = []
    for where, done in rows.items():
        steps = {step: mean([r["steps"].get(step, 0.0) for r in done]) for step in ("forecast", "simulation")}
        total = mean([r["wall_s"] for r in done])
        speed_up = "" if where == "local" else f" (x{mean([r['wall_s'] for r in local]) / total:.2f})"
        parts.append(f"{where} {total:.1f} s{speed_up}: forecast {steps['forecast']:.1f} s, simulation "
                     f"{steps['simulation']:.1f} s")
    same = len({r["hash"] for done in rows.values() for r in done}) == 1
    return "; ".join(parts) + f"; --json {'identical' if same else 'DIFFERENT'} everywhere"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, nargs="+", default=[3, 12, 30])
    parser.add_argument("--days", type=int, nargs="+", default=[7, 28])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--dask", type=int, nargs="*", default=[],
                        help="also on a warmed LocalCluster of N workers, for each N given (one cluster at a time)")
    parser.add_argument("--workers", type=int, default=0, help="also on N local worker processes")
    parser.add_argument("--json-out", type=Path, help="also write every run's row to this JSON file")
    parser.add_argument("--one", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scheduler", help=argparse.SUPPRESS)
    parser.add_argument("--one-workers", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_plan(*args.one, scheduler=args.scheduler, workers=args.one_workers)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        scenarios = write_scenarios(base / "scenarios", args.queues, args.days)
        ways: dict[str, int | None] = {"local": None}  # where -> the LocalCluster's workers (None: no cluster)
        if args.workers:
            ways[f"{args.workers} workers"] = None
        for n in args.dask:
            ways[f"Dask {n}"] = n
        print("| queues | days | where | run | total | " + " | ".join(STEPS) + " + report | rounds | peak MB | verdict "
              "| gap | stopped by | parts | json hash |")
        print("|---" * (len(STEPS) + 12) + "|")
        flat: list[dict] = []
        rows: dict[Path, dict[str, list[dict]]] = {path: {} for path in scenarios}
        for where, cluster_size in ways.items():
            # One cluster at a time (each started and warmed before its first clock, closed after its last run):
            # 1, 2 and 4 workers never compete for the cores.
            with contextlib.ExitStack() as stack:
                where_args = ["--one-workers", str(args.workers)] if where.endswith(" workers") else []
                if cluster_size:
                    cluster = stack.enter_context(start_cluster(cluster_size))
                    where_args = ["--scheduler", cluster.scheduler_address]
                for path in scenarios:
                    for run in range(args.runs):
                        row = one_row(path, base, where, where_args, run, args, flat)
                        if row is not None:
                            rows[path].setdefault(where, []).append(row)
        for path, done in rows.items():
            if "local" in done and sum(len(runs) for runs in done.values()) > 1:
                print(f"<!-- {path.stem}: {compared(done)} -->", flush=True)


def one_row(path: Path, base: Path, where: str, where_args: list[str], run: int, args: argparse.Namespace,
            flat: list[dict]) -> dict | None:
    """One cold run of the scenario at ``path``, printed as a table row (and added to ``flat``); None on error."""
    n, d = path.stem.split("-")[1:3]
    row = run_child(path, base / f"{path.stem}-{where.replace(' ', '')}-{run}", where_args)
    if "error" in row:
        print(f"| {n[:-1]} | {d[:-1]} | {where} | {run + 1} | {row['wall_s']:.1f} s | error: {row['error']} |")
        return None
    flat.append({"queues": int(n[:-1]), "days": int(d[:-1]), "where": where, "run": run + 1, **row})
    if args.json_out:
        args.json_out.write_text(json.dumps(flat, indent=1))
    steps = " | ".join(f"{row['steps'].get(s, 0.0):.1f}" for s in STEPS)
    print(f"| {n[:-1]} | {d[:-1]} | {where} | {run + 1} | {row['wall_s']:.1f} s | {steps} | "
          f"{row['rounds']} | {row['peak_mb']:.0f} | {row['verdict']} {','.join(row['reasons'])} | "
          f"{row['gap']:.2%} | {row['stopped_by']} | {row['solver'].get('parts')} | {row['hash']} |",
          f"<!-- without solver.polished: {row['hash_without_polished']} -->", flush=True)
    return row

if __name__ == "__main__":
    main()
