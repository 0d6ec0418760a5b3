"""Issue 15's check, done the way a user would: the example plan cold from fresh workspaces, three times while two
other processes keep both cores busy and once on an idle machine; the four JSON outputs must be identical, the
schedule within 1 % of its proven bound, every queue's goal met on every open day. Then a warm run (every step
read back), and where the time of a cold run goes, step by step.

    python benchmarks/bench_plan_determinism.py [--scenario examples/casablanca.toml]

Prints Markdown for docs/benchmarks.md. Times are wall-clock on a shared machine: compare them with each other,
not with another day's."""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cold_plan(scenario: Path, directory: Path) -> tuple[bytes, float]:
    directory.mkdir()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "casashore", "plan", str(scenario), "--json", "--workspace",
                           str(directory / "ws.duckdb"), "--report", str(directory / "plan.html")],
                          capture_output=True, cwd=directory, check=True)
    return done.stdout.replace(str(directory).encode(), b"DIR"), time.perf_counter() - started


def step_times(scenario_path: Path, directory: Path) -> dict[str, float]:
    """A cold plan in this process, timed between the pipeline's progress notes (imports excluded)."""
    from casashore.plan.pipeline import default_history_dir, run_plan
    from casashore.plan.scenario import load_plan_scenario
    from casashore.workspace.store import Workspace

    directory.mkdir()
    scenario = load_plan_scenario(scenario_path)
    workspace = Workspace.open(directory / "ws.duckdb")
    times: dict[str, float] = {}
    last = [time.perf_counter(), None]

    def note(step: str, detail: str = "", share: float = 0.0) -> None:
        now = time.perf_counter()
        if last[1] is not None:
            times[last[1]] = times.get(last[1], 0.0) + now - last[0]
        last[:] = [now, step]

    run_plan(scenario, workspace, default_history_dir(directory / "ws.duckdb"), note)
    note("end")
    workspace.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "examples" / "casablanca.toml")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        outputs, rows = [], []
        busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
        try:
            for i in range(3):
                out, seconds = cold_plan(args.scenario, base / f"busy{i}")
                outputs.append(out)
                rows.append((f"cold, both cores kept busy by two other processes ({i + 1})", seconds))
        finally:
            for process in busy:
                process.kill()
                process.wait()
        out, seconds = cold_plan(args.scenario, base / "idle")
        outputs.append(out)
        rows.append(("cold, idle machine", seconds))
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "casashore", "plan", str(args.scenario), "--json", "--workspace",
                        str(base / "idle" / "ws.duckdb"), "--report", str(base / "idle" / "plan.html")],
                       capture_output=True, cwd=base / "idle", check=True)
        rows.append(("warm (every step read back), idle machine", time.perf_counter() - started))
        steps = step_times(args.scenario, base / "steps")
    plan = json.loads(outputs[-1])
    schedule, verdict = plan["schedule"], plan["verdict"]
    digests = {hashlib.sha256(o).hexdigest()[:16] for o in outputs}
    print("| run | wall |\n|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.1f} s |")
    print(f"\nJSON outputs identical: {len(digests) == 1} (sha256 {', '.join(sorted(digests))})")
    print(f"schedule: cost {schedule['cost']:,.2f}, objective {schedule['objective']:,.2f}, proven bound "
          f"{schedule['bound']:,.2f}, gap {schedule['gap']:.2%}, stopped by {schedule['stopped_by']}, "
          f"{schedule['solver']}")
    print(f"verdict: {verdict['status']}; {sum(d['status'] == 'met' for d in verdict['days'])} of "
          f"{len(verdict['days'])} queue-days met; goal-loop rounds {verdict['rounds']}; coverage "
          f"{verdict['coverage']:.2%}")
    print("\n| step (cold, in process, imports excluded) | seconds |\n|---|---|")
    for step, seconds in steps.items():
        print(f"| {step} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
