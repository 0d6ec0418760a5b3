"""The simulator's typed results keep the `casashore simulate --json` contract (docs/architecture.md): the keys, in
their order, of both modes; and the plan's simulation step is the simulator's own record, not a copy of it."""

import json
import typing
from pathlib import Path

from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from casashore.plan.result import GoalLoop, PlanResult
from casashore.simulate.inputs import load_scenario
from casashore.simulate.results import SimulatedCentre
from casashore.simulate.scenario import simulate_scenario

EXAMPLE = Path(__file__).parent.parent / "examples" / "multiskill.toml"
MEASURES = ["p_wait", "p_wait_ci95", "p_abandon", "p_abandon_ci95", "service_level", "service_level_ci95", "asa",
            "asa_ci95", "mean_time_to_abandon", "mean_time_to_abandon_ci95"]
runner = CliRunner()


def simulate_json(*args: str) -> dict:
    cli = runner.invoke(app, ["simulate", *args, "--replications", "3", "--seed", "1", "--json"])
    assert cli.exit_code == 0, cli.output
    return json.loads(cli.stdout)


def test_single_queue_json_keys_in_order():
    markovian = simulate_json("--calls", "100", "--aht", "180", "--agents", "25", "--patience", "120")
    assert list(markovian) == [*MEASURES, "occupancy", "occupancy_ci95", "calls_offered", "calls_simulated",
                               "replications", "engine_s", "calls_per_second", "formula"]
    assert list(markovian["formula"]) == ["model", "p_wait", "p_abandon", "service_level", "asa", "occupancy"]
    lognormal = simulate_json("--calls", "100", "--aht", "180", "--agents", "25", "--handle", "lognormal")
    assert "formula" not in lognormal and list(lognormal)[-1] == "calls_per_second"


def test_scenario_json_keys_in_order(tmp_path):
    doc = simulate_json(str(EXAMPLE), "--trace", str(tmp_path / "calls.parquet"))
    assert list(doc) == ["replications", "queues", "groups", "calls_simulated", "calls_per_second", "trace_calls"]
    queue = doc["queues"][0]
    assert list(queue) == ["queue", "skill", "offered", "service_level_goal", *MEASURES, "intervals"]
    assert list(queue["intervals"][0]) == ["interval", "start_min", "offered", *MEASURES]
    assert list(doc["groups"][0]) == ["group", "occupancy", "occupancy_ci95", "intervals"]
    assert list(doc["groups"][0]["intervals"][0]) == ["interval", "occupancy", "occupancy_ci95"]


def test_the_plan_simulation_is_the_simulators_record():
    assert typing.get_type_hints(GoalLoop)["simulation"] is SimulatedCentre
    assert typing.get_type_hints(PlanResult)["simulation"] is SimulatedCentre
    _, run = simulate_scenario(load_scenario(EXAMPLE), replications=3, seed=1)
    stored = run.centre.to_json()
    assert "calls_per_second" not in stored  # a timing: the plan stores none
    assert SimulatedCentre.from_json(stored) == run.centre
