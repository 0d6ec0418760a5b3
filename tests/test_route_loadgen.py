"""The simulator's scenarios played through the router's decisions: on a single queue the router's results equal
Erlang A's; on pooled agents they equal the simulator's; the CLI shows both side by side."""

import json
import math
from pathlib import Path

from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from casashore.queueing.erlang_a import erlang_a
from casashore.route.loadgen import drive
from casashore.simulate.inputs import Scenario
from casashore.simulate.scenario import simulate_scenario


def test_one_queue_through_the_router_matches_erlang_a():
    scenario = Scenario.model_validate({
        "interval_min": 60, "intervals": 8,
        "queues": [{"name": "fr", "skill": "fr", "calls": 380, "aht_s": 180, "patience_s": 300, "target_s": 20}],
        "groups": [{"name": "g", "skills": {"fr": 1}, "agents": 20}]})
    routed = drive(scenario, replications=30, seed=3)["queues"][0]
    exact = erlang_a(20, 380 * 180 / 3600, 180, 300, 20)
    # 99 % intervals (the half-widths are 95 %); the centre opens empty, a bias far smaller than the noise
    assert abs(routed["service_level"] - float(exact.service_level)) < 1.35 * routed["service_level_ci95"]
    assert abs(routed["p_abandon"] - float(exact.p_abandon)) < 1.35 * routed["p_abandon_ci95"]


def test_pooled_agents_through_the_router_match_the_simulator():
    scenario = Scenario.model_validate({
        "interval_min": 30, "intervals": 8,
        "queues": [{"name": "fr", "skill": "fr", "calls": [90, 120, 150, 150, 120, 90, 60, 60], "aht_s": 240,
                    "patience_s": 120, "handle": {"distribution": "lognormal", "cv": 0.8}},
                   {"name": "es", "skill": "es", "calls": 50, "aht_s": 300, "patience_s": 200}],
        "groups": [{"name": "both", "skills": {"fr": 1, "es": 1}, "agents": [28, 30, 34, 34, 30, 26, 22, 22]}]})
    routed = drive(scenario, replications=40, seed=5)
    _, simulated = simulate_scenario(scenario, replications=200, seed=5)
    for mine, theirs in zip(routed["queues"], simulated.to_json()["queues"], strict=True):
        for key in ("service_level", "p_abandon"):
            spread = math.hypot(mine[f"{key}_ci95"], theirs[f"{key}_ci95"])
            assert abs(mine[key] - theirs[key]) < 1.35 * spread, (mine["queue"], key, mine[key], theirs[key])


def test_route_drive_prints_both_columns_and_names_bad_input(tmp_path):
    example = Path(__file__).resolve().parents[1] / "examples" / "multiskill.toml"
    result = CliRunner().invoke(app, ["route", "drive", str(example), "--replications", "2", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert [q["queue"] for q in answer["queues"]] == ["fr_banking", "es_insurance", "en_telecom"]
    assert set(answer["queues"][0]) == {"queue", "router", "simulator"}
    assert answer["calls_routed"] > 0
    result = CliRunner().invoke(app, ["route", "drive", str(example), "--selection", "fastest"])
    assert result.exit_code == 2 and "selection: 'fastest'" in result.output
