"""The plan's forecast step on the bundled example (3 queues, 8 weeks of synthetic history, 15-minute intervals).

    python benchmarks/bench_forecast.py [--runs 3] [--src OTHER_TREE/src]

Makes the example's workspace once (the plan's history step), then runs `casashore.plan.pipeline.forecast_step` on
a fresh copy of it in a new Python process per run, so that importing statsforecast (several seconds, paid once by
a cold `casashore plan`) is measured apart from the work. Prints, per run, the import and step times and the
SHA-256 of the step's result: it must be the same on every run and with `taskset -c 0` (one core). `--src` runs
another checkout's code (e.g. `git archive <commit> src | tar -x -C /tmp/old` for a before/after ratio: the
machine is shared, so compare ratios of runs made side by side, not seconds across days).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "fixtures" / "casablanca_shifts_written_out.toml"
"""The example with its shifts written out: the same scenario as examples/casablanca.toml, which checkouts from
before [[shift_patterns]] (--src) can read too."""

# --src may name a checkout from before the workspace package (issue 18), whose open_workspace gave a connection
OPEN = """
try:
    from casashore.workspace.store import Workspace
    open_workspace = Workspace.open
except ImportError:
    from casashore.history.workspace import open_workspace
"""

MAKE = OPEN + """
import sys
from pathlib import Path
from casashore.plan.pipeline import history_step
from casashore.plan.scenario import load_plan_scenario
con = open_workspace(Path(sys.argv[2]), create=True)
history_step(con, load_plan_scenario(Path(sys.argv[1])), Path(sys.argv[3]))
con.close()
"""

RUN = """
import hashlib, json, shutil, sys, time
t0 = time.perf_counter()
from pathlib import Path
from casashore.forecast import run  # noqa: F401 - statsforecast, pandas, duckdb: the step's imports
""" + OPEN + """
from casashore.plan.pipeline import forecast_step
from casashore.plan.scenario import load_plan_scenario
t1 = time.perf_counter()
shutil.copy(sys.argv[2], sys.argv[3])
con = open_workspace(Path(sys.argv[3]), create=False)
t2 = time.perf_counter()
result = forecast_step(con, load_plan_scenario(Path(sys.argv[1])))
t3 = time.perf_counter()
con.close()
doc = result.to_json() if hasattr(result, "to_json") else result  # a typed step since issue 18
blob = json.dumps(doc, sort_keys=True).encode()
print(json.dumps({"import_s": t1 - t0, "step_s": t3 - t2, "models": doc["models"],
                  "sha256": hashlib.sha256(blob).hexdigest()}))
"""


def python(code: str, src: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(src)}  # this checkout's code, or --src's
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
                          env=env).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the src directory of the code to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.duckdb"
        python(MAKE, args.src, str(EXAMPLE), str(base), str(Path(tmp) / "history"))
        runs = []
        for i in range(args.runs):
            runs.append(json.loads(python(RUN, args.src, str(EXAMPLE), str(base), str(Path(tmp) / f"{i}.duckdb"))))
            print(f"run {i + 1}: imports {runs[-1]['import_s']:.2f} s, forecast step {runs[-1]['step_s']:.2f} s, "
                  f"result {runs[-1]['sha256'][:16]}", flush=True)
    print(f"models: {runs[0]['models']}")
    print(f"median: imports {statistics.median(r['import_s'] for r in runs):.2f} s, "
          f"forecast step {statistics.median(r['step_s'] for r in runs):.2f} s")
    if len({r["sha256"] for r in runs}) != 1:
        sys.exit("the step's result differed between runs")


if __name__ == "__main__":
    main()
