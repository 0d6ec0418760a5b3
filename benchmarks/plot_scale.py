"""Draws issue 23's scaling figures for docs/benchmarks.md from the rows bench_plan_scale.py writes (--json-out)
and, optionally, bench_forecast_scale.py's: seconds per plan step against queues (one line per step, 7 and 28
days side by side) on log-log axes, with a dotted line of slope 1 (linear growth) through each step's first
point: a step whose line stays at or under its dotted line grows no faster than the queues.

    python benchmarks/bench_plan_scale.py --queues 3 30 300 --days 7 28 --json-out /tmp/plan-scale.json
    python benchmarks/plot_scale.py /tmp/plan-scale.json --out docs/figures/plan-scale.svg

Needs matplotlib (pip install -e ".[bench]"). The SVG is written without a date or random ids, so the same rows
give the same file.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from statistics import mean

STEPS = ("history", "forecast", "staffing", "schedule", "simulation", "sizing", "total")


def step_means(rows: list[dict]) -> dict[int, dict[str, dict[int, float]]]:
    """days -> step -> queues -> mean seconds over the runs (errors left out; "sizing" holds the report too)."""
    runs: dict[tuple[int, str, int], list[float]] = defaultdict(list)
    for row in rows:
        if "error" in row:
            continue
        for step in STEPS[:-1]:
            runs[(row["days"], step, row["queues"])].append(row["steps"].get(step, 0.0))
        runs[(row["days"], "total", row["queues"])].append(row["wall_s"])
    table: dict[int, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for (days, step, queues), seconds in sorted(runs.items()):
        table[days][step][queues] = mean(seconds)
    return table


def draw(rows: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "casashore"  # stable ids: the same rows give the same bytes
    from matplotlib import pyplot as plt

    table = step_means(rows)
    days = sorted(table)
    figure, axes = plt.subplots(1, len(days), figsize=(5.5 * len(days), 4.5), sharey=True, squeeze=False)
    for ax, day in zip(axes[0], days, strict=True):
        for step in STEPS:
            points = sorted(table[day][step].items())
            if not points:
                continue
            queues, seconds = zip(*points, strict=True)
            line, = ax.plot(queues, seconds, marker="o", linewidth=2.2 if step == "total" else 1.2, label=step)
            ax.plot(queues, [seconds[0] * q / queues[0] for q in queues], linestyle=":", color=line.get_color(),
                    linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{day} days planned")
        ax.set_xlabel("queues")
        ax.grid(True, which="both", linewidth=0.3)
    axes[0][0].set_ylabel("seconds (mean of the runs)")
    axes[0][-1].legend(fontsize="small", loc="upper left")
    figure.suptitle("casashore plan, cold, per step against queues (dotted: linear from the first point)")
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, format="svg", metadata={"Date": None})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=Path, help="the JSON rows of bench_plan_scale.py --json-out")
    parser.add_argument("--out", type=Path, default=Path("docs/figures/plan-scale.svg"))
    args = parser.parse_args()
    draw(json.loads(args.rows.read_text()), args.out)
    print(args.out)


if __name__ == "__main__":
    main()
