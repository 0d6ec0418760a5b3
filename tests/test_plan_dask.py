"""The plan's forecast and simulation on local workers and on a Dask cluster (issue 23): the example cut to two
queues (two blocks of skills, simulated apart), two days and six replications gives the same `--json` byte for
byte in this process, on two local processes and on a Dask LocalCluster, each run `--fresh` on a workspace of its
own; where the batches ran is no part of a stored step's key, so a plan made on the cluster is read back whole by a
local one."""

import json
import logging
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from casashore.plan.simulated import skill_blocks
from casashore.simulate import many
from casashore.simulate.inputs import Scenario
from casashore.simulate.scenario import simulate_scenario
from casashore.workers import Execution, run_batches, shared_workers
from worker_probe import pid

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "casablanca.toml"
runner = CliRunner()


def two_queues(path: Path) -> Path:
    """The example with its French and Spanish queues and their own shifts only (no fr+es shift: two blocks),
    two days, six replications, five weeks of history."""
    head, *tables = re.split(r"(?m)^(?=\[\[)", EXAMPLE.read_text())
    text = head + "".join(t for t in tables if re.search(r'^(skill|group) = "(fr|es)"$', t, re.M))
    for old, new in (("days = 7", "days = 2"), ("replications = 20", "replications = 6"), ("weeks = 8", "weeks = 5")):
        assert old in text
        text = text.replace(old, new)
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    return two_queues(tmp_path_factory.mktemp("scenario") / "two.toml")


def plan(scenario: Path, folder: Path, *extra: str) -> str:
    folder.mkdir(exist_ok=True)
    result = runner.invoke(app, ["plan", str(scenario), "--workspace", str(folder / "ws.duckdb"), "--report",
                                 str(folder / "plan.html"), "--json", *extra])
    assert result.exit_code == 0, result.output
    return result.stdout.replace(str(folder), "DIR")  # the report's path is an input, not a result


@pytest.fixture(scope="module")
def local(scenario, tmp_path_factory) -> str:
    return plan(scenario, tmp_path_factory.mktemp("local"), "--fresh")


def test_the_small_plan_is_two_blocks_of_skills(scenario, local):
    from casashore.plan.scenario import load_plan_scenario

    assert skill_blocks(load_plan_scenario(scenario)) == [["fr"], ["es"]]
    doc = json.loads(local)
    assert doc["reused_steps"] == [] and [q["queue"] for q in doc["simulation"]["queues"]] == [
        "fr-banking", "es-insurance"]


def test_two_local_worker_processes_give_the_same_plan(scenario, local, tmp_path):
    assert plan(scenario, tmp_path / "workers", "--fresh", "--workers", "2") == local


def test_a_dask_cluster_gives_the_same_plan_and_a_local_plan_reads_its_steps_back(scenario, local, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster:
        on_dask = plan(scenario, tmp_path / "dask", "--fresh", "--scheduler", cluster.scheduler_address)
    assert on_dask == local
    again = json.loads(plan(scenario, tmp_path / "dask"))  # here, after the cluster's run: nothing made again
    assert again.pop("reused_steps") == ["forecast", "staffing", "schedule", "simulation"]
    expected = json.loads(local)
    assert expected.pop("reused_steps") == [] and again == expected


@pytest.mark.parametrize("args, field", [(["--workers", "0"], "workers"), (["--workers", "two"], "workers"),
                                         (["--workers", "257"], "workers"),
                                         (["--scheduler", "tcp://127.0.0.1:9"], "scheduler")])
def test_where_to_run_a_plan_user_errors_change_nothing(scenario, tmp_path, args, field):
    result = runner.invoke(app, ["plan", str(scenario), "--workspace", str(tmp_path / "ws.duckdb"), "--report",
                                 str(tmp_path / "plan.html"), "--json", *args])
    assert result.exit_code == 2, result.output
    assert field in result.stderr and result.stdout == ""
    if field == "workers":  # 0, two and 257 told the same one range (issue 24's trial: two messages)
        assert "expected a whole number from 1 to 256" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no workspace, no history, no report


def _block(seed: int, calls: float) -> Scenario:
    return Scenario.model_validate({
        "interval_min": 15, "intervals": 8,
        "queues": [{"name": "q", "skill": "s", "aht_s": 200, "patience_s": 120, "calls": [calls] * 8}],
        "groups": [{"name": "g", "skills": {"s": 1}, "agents": [12] * 8}],
        "simulation": {"replications": 7, "seed": seed}})


def test_blocks_in_chunks_on_workers_measure_what_each_block_alone_does(monkeypatch):
    """Chunks of one replication or of all (TASK_CALLS), two blocks side by side, two local processes: each block's
    measures are those of the simulator run on it alone in this process."""
    blocks = [_block(11, 40.0), _block(12, 55.0)]
    alone = [simulate_scenario(b, workers=1)[1].centre for b in blocks]
    for task_calls, execution in ((1, Execution()), (10**9, Execution()), (1, Execution(workers=2))):
        monkeypatch.setattr(many, "TASK_CALLS", task_calls)
        done = []
        assert many.simulate_scenarios(blocks, execution, done.append) == alone
        assert sum(done) == 14 and len(done) == (2 if task_calls > 1 else 14)


def test_calls_within_shared_workers_reuse_one_pool_of_workers():
    """A plan's forecast and its rounds of simulation (pipeline.run_plan) start their local workers once."""
    with shared_workers():
        first = run_batches(pid, range(6), workers=2)
        second = run_batches(pid, range(6), workers=2)
    assert len(set(first) | set(second)) <= 2 and os.getpid() not in first
    apart = run_batches(pid, range(6), workers=2)
    assert not set(apart) & set(first)  # outside, each call starts (and ends) workers of its own
