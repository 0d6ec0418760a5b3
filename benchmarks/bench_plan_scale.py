"""Issue 23's plan at scale: `casashore plan` cold (a fresh workspace and history directory each run) on the
generated BPO scenarios of benchmarks/scale_scenarios.py, N queues x D days. Per run: wall time per step (history,
forecast, staffing, schedule, simulation, sizing; the schedule and simulation summed over the goal loop's rounds),
the rounds, peak memory, the verdict, the schedule's gap and stopped_by, and a hash of the --json (the report path
apart); each scenario runs twice, and the two hashes must be equal.

    python benchmarks/bench_plan_scale.py [--queues 3 12 30] [--days 7 28] [--runs 2] [--json-out rows.json]

With --json-out, every run's row (queues, days, run, wall_s, steps, ...) is also written there as JSON, which
benchmarks/plot_scale.py draws.

Each run is its own process (imports and numba's cache load included in "total", as for a user; the steps are
timed between the pipeline's progress notes). Prints Markdown for docs/benchmarks.md. Times are wall-clock on a
shared machine: compare the rows of one run with each other, not with another day's."""

from __future__ import annotations

import argparse
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


def one_plan(scenario_path: Path, directory: Path) -> dict:
    """A cold plan in this process (called in a child): step times, rounds, verdict, schedule, --json hash."""
    from casashore.plan.scenario import load_plan_scenario
    from casashore.usecases.plan import run_plan

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
    result = run_plan(scenario, directory / "ws.duckdb", report, "en", fresh=False, progress=note)
    note("report")
    total = time.perf_counter() - started
    document = json.dumps({"report": "REPORT", **result.to_json()}).encode()
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return {"steps": times, "total_in_process_s": total, "rounds": len(result.rounds),
            "verdict": result.verdict.status, "reasons": [r.reason for r in result.verdict.reasons],
            "gap": result.schedule.gap, "stopped_by": result.schedule.stopped_by, "solver": result.schedule.solver,
            "hash": hashlib.sha256(document).hexdigest()[:16], "peak_mb": peak / 1024}


def run_child(scenario: Path, directory: Path) -> dict:
    directory.mkdir(parents=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--one", str(scenario), str(directory)], capture_output=True,
                          text=True, check=False)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1:], "wall_s": time.perf_counter() - started}
    row = json.loads(done.stdout.strip().splitlines()[-1])
    row["wall_s"] = time.perf_counter() - started
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, nargs="+", default=[3, 12, 30])
    parser.add_argument("--days", type=int, nargs="+", default=[7, 28])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--json-out", type=Path, help="also write every run's row to this JSON file")
    parser.add_argument("--one", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_plan(*args.one)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        scenarios = write_scenarios(base / "scenarios", args.queues, args.days)
        print("| queues | days | run | total | " + " | ".join(STEPS) + " + report | rounds | peak MB | verdict | gap | "
              "stopped by | parts | json hash |")
        print("|---" * (len(STEPS) + 11) + "|")
        rows: list[dict] = []
        for path in scenarios:
            n, d = path.stem.split("-")[1:3]
            hashes = []
            for run in range(args.runs):
                row = run_child(path, base / f"{path.stem}-{run}")
                rows.append({"queues": int(n[:-1]), "days": int(d[:-1]), "run": run + 1, **row})
                if args.json_out:
                    args.json_out.write_text(json.dumps(rows, indent=1))
                if "error" in row:
                    print(f"| {n[:-1]} | {d[:-1]} | {run + 1} | {row['wall_s']:.1f} s | error: {row['error']} |")
                    continue
                hashes.append(row["hash"])
                steps = " | ".join(f"{row['steps'].get(s, 0.0):.1f}" for s in STEPS)
                print(f"| {n[:-1]} | {d[:-1]} | {run + 1} | {row['wall_s']:.1f} s | {steps} | {row['rounds']} | "
                      f"{row['peak_mb']:.0f} | {row['verdict']} {','.join(row['reasons'])} | {row['gap']:.2%} | "
                      f"{row['stopped_by']} | {row['solver'].get('parts')} | {row['hash']} |", flush=True)
            if len(hashes) > 1:
                print(f"<!-- {path.stem}: {'identical' if len(set(hashes)) == 1 else 'DIFFERENT'} --json -->")


if __name__ == "__main__":
    main()
