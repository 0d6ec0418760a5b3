"""Issue 23's plan memory: where `casashore plan`'s resident memory grows, step by step, on a generated BPO scenario
(benchmarks/scale_scenarios.py), cold, in this process.

    python benchmarks/bench_plan_memory.py --queues 30 --days 28 [--keep] [--trim] [--tracemalloc] [--top 12] [--warm]

Per step (history, forecast, staffing, schedule, simulation, sizing with the HTML report; with ``--keep`` the plan
kept in the workspace, as `casashore plan` does; then the --json the CLI prints): the resident set when the step
starts, the highest resident set sampled during the step (a thread reads /proc/self/statm every 20 ms), with
``--trim`` the resident set once glibc returned its free pages, DuckDB's own count, and the process's peak
(ru_maxrss). With ``--tracemalloc`` (3-4x slower) also the Python heap: what is held when each step starts, the
step's own peak, and at the end the lines that hold the most of what is still alive (the typed results); native
buffers (DuckDB's, HiGHS's) are counted only by the resident set. Prints Markdown; the last line is the --json
hash (bench_plan_scale.py's, the report path apart). With ``--warm`` the same plan is first made cold in a child
process (its table printed first), then measured here warm: every step read back from the workspace, what a
planner's re-plan of the same week does."""

from __future__ import annotations

import argparse
import ctypes
import gc
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale_scenarios import write_scenarios  # noqa: E402  (a sibling script, not a package)

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def duckdb_mb() -> float:
    """What the open workspace's DuckDB holds (its buffer pool and caches), found among the live objects."""
    from casashore.workspace.store import Workspace

    held = 0
    for workspace in [o for o in gc.get_objects() if type(o) is Workspace]:
        try:
            held += workspace._con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchone()[0] or 0
        except Exception:  # a closed workspace
            pass
    return held / 2**20


def trimmed_mb() -> float:
    """The resident set once glibc has handed its free pages back (malloc_trim): what is really held."""
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    return resident_mb()


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_MB


class Sampler(threading.Thread):
    """The highest resident set since the last ``mark()``."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.highest = resident_mb()
        self.stopped = threading.Event()
        self.lock = threading.Lock()  # a sample taken before a mark must not land after it

    def run(self) -> None:
        while not self.stopped.wait(0.02):
            with self.lock:
                self.highest = max(self.highest, resident_mb())

    def mark(self) -> float:
        with self.lock:
            highest, self.highest = max(self.highest, resident_mb()), resident_mb()
        return highest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, default=30)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--tracemalloc", action="store_true", help="also the Python heap per step (slower)")
    parser.add_argument("--keep", action="store_true", help="keep the plan in the workspace, as the CLI does")
    parser.add_argument("--trim", action="store_true", help="also the resident set after malloc_trim per step")
    parser.add_argument("--top", type=int, default=12, help="lines of the heap still held at the end")
    parser.add_argument("--warm", action="store_true",
                        help="measure a warm plan: the same plan made cold first, in a child process")
    parser.add_argument("--workspace", type=Path, help=argparse.SUPPRESS)  # the child's: the scenario and workspace
    args = parser.parse_args()

    from casashore.plan.scenario import load_plan_scenario
    from casashore.usecases.plan import run_plan
    from casashore.usecases.plans import run_and_keep
    from casashore.workspace.store import Workspace

    if args.tracemalloc:
        tracemalloc.start(1)
    rows: list[tuple] = []
    sampler = Sampler()
    sampler.start()
    last: list = [None, resident_mb(), 0.0, 0.0, 0.0, time.perf_counter()]

    def note(step: str, detail: str = "", share: float = 0.0) -> None:
        if step == last[0]:
            return
        highest = sampler.mark()
        heap = tracemalloc.get_traced_memory() if args.tracemalloc else (0, 0)
        if last[0] is not None:
            rows.append((*last[:2], highest, *last[2:5], heap[1] / 2**20, time.perf_counter() - last[5]))
        if args.tracemalloc:
            tracemalloc.reset_peak()
        at = resident_mb()
        last[:] = [step, at, trimmed_mb() if args.trim else at, duckdb_mb(), heap[0] / 2**20, time.perf_counter()]

    with tempfile.TemporaryDirectory() as tmp:
        base = args.workspace or Path(tmp)
        (path,) = write_scenarios(base / "scenarios", [args.queues], [args.days])
        if args.warm:  # the cold plan, in a process of its own: only the warm one is measured here
            subprocess.run([sys.executable, __file__, "--queues", str(args.queues), "--days", str(args.days),
                            "--workspace", str(base), *(["--keep"] if args.keep else [])],
                           check=True)  # its own table printed first: the cold plan's memory
        scenario = load_plan_scenario(path)
        if args.keep:
            record = Workspace.record_plan_run
            Workspace.record_plan_run = lambda self, run: (note("keep"), record(self, run))[1]  # a row of its own
            _, result = run_and_keep(scenario, path.name, path.read_text(), base / "ws.duckdb", base / "plan.html",
                                     "en", fresh=False, progress=note)
        else:
            result = run_plan(scenario, base / "ws.duckdb", base / "plan.html", "en", fresh=False, progress=note)
        note("--json")
        # As `casashore plan --json` writes it: in pieces (json_chunks_after), hashed as they come.
        from casashore.domain.json_record import json_chunks_after

        digest, size = hashlib.sha256(), 0
        for chunk in json_chunks_after({"report": "REPORT"}, result):
            digest.update(chunk.encode())
            size += len(chunk.encode())
        note("end")
        held = tracemalloc.take_snapshot() if args.tracemalloc else None
    sampler.stopped.set()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.queues} queues x {args.days} days{', warm' if args.warm else ''}, "
          f"load average {os.getloadavg()[0]:.1f}, peak {peak:.0f} MB\n")
    print("| step | MB at start | highest MB during | trimmed MB at start | DuckDB MB | heap MB at start "
          "| heap peak MB | s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for step, start, highest, trimmed, duck, heap_start, heap_peak, seconds in rows:
        heap = f"{heap_start:.0f} | {heap_peak:.0f}" if args.tracemalloc else "— | —"
        trim = f"{trimmed:.0f}" if args.trim else "—"
        print(f"| {step} | {start:.0f} | {highest:.0f} | {trim} | {duck:.0f} | {heap} | {seconds:.1f} |")
    if held is not None:
        print(f"\nPython heap still held at the end ({tracemalloc.get_traced_memory()[0] / 2**20:.0f} MB), "
              "by line:\n")
        for stat in held.statistics("lineno")[:args.top]:
            frame = stat.traceback[0]
            where = f"{frame.filename.split('src/')[-1]}:{frame.lineno}"
            print(f"- {stat.size / 2**20:.1f} MB, {stat.count} blocks: {where}")
    print(f"\njson hash {digest.hexdigest()[:16]} ({size / 2**20:.0f} MB of --json)")


if __name__ == "__main__":
    main()
