"""Start-up time of the `casashore` command, end to end, against `python -c pass`.

    python benchmarks/bench_startup.py [--runs 10] [--source OTHER/src]

Each command is run --runs times after one warm-up run (which also fills numba's cache); the median wall time
and the median CPU time (user + system, the figure a busy machine disturbs least) are printed, with the
ratio to `python -c pass`. `--source` runs the CLI from another checkout's src/ instead (for a before/after:
`git archive REV src | tar -x -C /tmp/before`). hyperfine gives the same figures with spreads:
`hyperfine -N -w 2 -r 10 -i "python -c pass" "casashore staff --calls 100 --aht 180"`.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

COMMANDS = [
    ["--version"],
    ["--help"],
    ["link", "--codec", "G.729", "--capacity", "40Gbps", "--json"],
    ["staff", "--calls", "100", "--aht", "180"],  # the command: a user error (exit 2) without a target
    ["staff", "--calls", "100", "--aht", "180", "--service-level", "0.8", "--json"],
]


def measure(argv: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Median wall and CPU seconds of ``argv`` over ``runs`` runs, after a warm-up run."""
    subprocess.run(argv, capture_output=True, env=env, check=False)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=env, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--source", help="a src/ directory to run the CLI from instead of the installed one")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.source:
        env["PYTHONPATH"] = os.path.abspath(args.source)
    cli = [sys.executable, "-c", "from casashore.interfaces.cli.app import app; app()"]
    base_wall, base_cpu = measure([sys.executable, "-c", "pass"], args.runs, env)
    print(f"{'command':<62} {'wall (s)':>9} {'cpu (s)':>8} {'cpu / python -c pass':>21}")
    print(f"{'python -c pass':<62} {base_wall:9.3f} {base_cpu:8.3f} {1.0:21.1f}")
    for command in COMMANDS:
        wall, cpu = measure(cli + command, args.runs, env)
        print(f"{'casashore ' + ' '.join(command):<62} {wall:9.3f} {cpu:8.3f} {cpu / base_cpu:21.1f}")
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
