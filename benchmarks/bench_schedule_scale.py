"""The schedule step alone on the generated BPO scenarios (benchmarks/scale_scenarios.py), without the history
and forecast that a whole plan needs first (issue 23, third pass): a 300-queue schedule in minutes, not the
15 minutes and 3 GB of a whole plan.

The requirement is what the synthetic history's *expected* calls need (casashore.plan.synthetic's weekly total,
weekday weights and intraday profile, no holidays, no noise), put through the plan's own staffing step; then one
round of the plan's schedule step (no goal loop), timed. It is not the plan's requirement (a forecast of noisy
history differs by a few calls per interval), but it has the same shape: a few big clients and many small ones.

    python benchmarks/bench_schedule_scale.py [--queues 30 300] [--days 7] [--search-parts 32] [--json-out F]

Prints one Markdown row per scenario: seconds (wall, and CPU with the schedule's threads), parts, parts polished
(neighbourhood search; in brackets those it left when it stopped paying) and searched (branch and bound), nodes,
cost, bound, gap, stopped_by, the process's peak resident set (ru_maxrss: the requirement built first included), the
schedule step's own (the highest resident set sampled every 20 ms during the step, and its rise over the set at the
step's start) and a hash of the shift counts (the same inputs give the same hash on any machine)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_scenarios import write_scenarios  # noqa: E402  (a sibling script, not a package)


def expected_forecast(scenario):
    """A Forecast of the synthetic history's expected calls per queue and interval over the planned days."""
    from casashore.plan.result import Forecast, ForecastInterval
    from casashore.plan.synthetic import WEEKDAY_WEIGHT, _intraday

    plan = scenario.plan
    step = plan.interval_min
    site = ZoneInfo(scenario.site.time_zone)
    rows = []
    for queue in scenario.queues:
        spec = queue.synthetic
        weights = [*WEEKDAY_WEIGHT, spec.saturday_share, spec.sunday_share]
        per_weight = spec.weekly_calls / sum(weights)
        per_interval = _intraday(spec.open_hours).reshape(-1, step).sum(axis=1)
        zone = ZoneInfo(queue.client_time_zone)
        for d in range(plan.days):
            day = plan.start + timedelta(days=d)
            volume = per_weight * weights[day.weekday()]
            for i, share in enumerate(per_interval):
                start = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(minutes=step * i)
                calls = float(volume * share)
                rows.append(ForecastInterval(
                    queue=queue.name, start=start.isoformat(),
                    site_start=start.astimezone(site).replace(tzinfo=None).isoformat(), interval_min=step,
                    model="expected", calls=calls, calls_lo_80=calls, calls_hi_80=calls, calls_lo_95=calls,
                    calls_hi_95=calls, aht_s=None, holiday=None))
    return Forecast(models={q.name: "expected" for q in scenario.queues}, intervals=rows)


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Highest(threading.Thread):
    """The highest resident set while it runs, sampled every 20 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.highest = resident_mb()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.02):
            self.highest = max(self.highest, resident_mb())

    def stop(self) -> float:
        self.stopped.set()
        self.join()
        return max(self.highest, resident_mb())


def one(path: Path, search_parts: int | None, safety_s: float | None) -> dict:
    from casashore.plan.pipeline import schedule_step, staffing_step
    from casashore.plan.scenario import load_plan_scenario

    scenario = load_plan_scenario(path)
    update = {"schedule_search_parts": search_parts, "schedule_time_limit_s": safety_s}
    update = {key: value for key, value in update.items() if value is not None}
    scenario = scenario.model_copy(update={"plan": scenario.plan.model_copy(update=update)})
    staffing = staffing_step(scenario, expected_forecast(scenario))
    at_start = resident_mb()
    sampler = Highest()
    sampler.start()
    started, cpu = time.perf_counter(), time.process_time()
    schedule = schedule_step(scenario, staffing)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    step_mb = sampler.stop()
    counts = json.dumps([[c.shift, c.day, c.agents] for c in schedule.counts])
    return {"seconds": round(seconds, 1), "cpu_s": round(cpu, 1), "parts": schedule.solver["parts"],
            "polished": schedule.solver.get("polished", 0), "unpaid": schedule.solver.get("unpaid", 0),
            "searched": schedule.solver["searched"],
            "nodes": schedule.solver["nodes"], "cost": round(schedule.cost, 2), "bound": round(schedule.bound, 2),
            "objective": round(schedule.objective, 2), "gap": schedule.gap, "stopped_by": schedule.stopped_by,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "step_start_mb": round(at_start), "step_peak_mb": round(step_mb), "step_rise_mb": round(step_mb - at_start),
            "hash": hashlib.sha256(counts.encode()).hexdigest()[:16]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queues", type=int, nargs="+", default=[30, 300])
    parser.add_argument("--days", type=int, nargs="+", default=[7])
    parser.add_argument("--search-parts", type=int, default=None,
                        help="plan.schedule_search_parts for this run (default: the scenario's, unset: "
                             "plan.schedule_search_share of the distinct parts with shifts)")
    parser.add_argument("--safety-s", type=float, default=None,
                        help="plan.schedule_time_limit_s for this run (default: the scenario's, 600 s; raise it on a "
                             "busy machine so that the safety valve does not stop the run)")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    rows = []
    print(f"load average {os.getloadavg()[0]:.2f}")
    print("| queues | days | schedule s | cpu s | parts | polished (unpaid) | searched | nodes | cost | bound | gap "
          "| stopped by | peak MB | step peak MB (rise) | hash |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as directory:
        paths = write_scenarios(Path(directory), args.queues, args.days)
        for queues in args.queues:
            for days in args.days:
                path = next(p for p in paths if p.name == f"bpo-{queues}q-{days}d.toml")
                row = {"queues": queues, "days": days, **one(path, args.search_parts, args.safety_s)}
                rows.append(row)
                print(f"| {queues} | {days} | {row['seconds']} | {row['cpu_s']} | {row['parts']} "
                      f"| {row['polished']} ({row['unpaid']}) "
                      f"| {row['searched']} | {row['nodes']} "
                      f"| {row['cost']:,.2f} | {row['bound']:,.2f} | {100 * row['gap']:.2f}% | {row['stopped_by']} "
                      f"| {row['peak_mb']} | {row['step_peak_mb']} (+{row['step_rise_mb']}) | {row['hash']} |",
                      flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}")
    if args.json_out:
        args.json_out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
