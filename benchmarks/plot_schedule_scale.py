"""Draws the schedule step's CPU seconds against queues for docs/benchmarks.md from bench_schedule_scale.py's rows
(--json-out), one line per labelled file, on log-log axes with a dotted line of slope 1 (linear growth) through
each line's first point (issue 23, fourth pass).

    python benchmarks/bench_schedule_scale.py --queues 30 300 --days 7 --safety-s 5000 --json-out after.json
    python benchmarks/plot_schedule_scale.py before=before.json after=after.json --out docs/figures/schedule-scale.svg

Needs matplotlib (pip install -e ".[bench]"). The SVG is written without a date or random ids, so the same rows
give the same file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def draw(series: dict[str, list[dict]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "casashore"  # stable ids: the same rows give the same bytes
    from matplotlib import pyplot as plt

    figure, ax = plt.subplots(figsize=(5.5, 4.5))
    for label, rows in series.items():
        points = sorted((row["queues"], row["cpu_s"]) for row in rows if row["days"] == 7)
        queues, cpu = zip(*points, strict=True)
        line, = ax.plot(queues, cpu, marker="o", label=label)
        ax.plot(queues, [cpu[0] * q / queues[0] for q in queues], linestyle=":", color=line.get_color(),
                linewidth=0.8)
        for q, s in points:
            ax.annotate(f"{s:g} s", (q, s), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("queues (7 days)")
    ax.set_ylabel("schedule step, CPU s")
    ax.set_title("The schedule step alone (dotted: linear growth)")
    ax.legend(fontsize=8)
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, metadata={"Date": None})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("series", nargs="+", help="LABEL=FILE: a bench_schedule_scale.py --json-out file")
    parser.add_argument("--out", type=Path, default=Path("docs/figures/schedule-scale.svg"))
    args = parser.parse_args()
    series = {}
    for item in args.series:
        label, _, path = item.partition("=")
        series[label] = json.loads(Path(path).read_text())
    draw(series, args.out)


if __name__ == "__main__":
    main()
