"""`casashore growth --simulate`: a typical day a month simulated at the staffed agents. Hand cases (no agents:
nothing answered in time; far more agents than calls: everything), the contract's level and penalty recomputed
from its queues' simulated rows, the simulation near Erlang C's figure, and the same seed the same figures."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from casashore.growth.simulated import SimulationOptions, simulate_queue
from casashore.interfaces.cli.app import app
from growth_scenarios import SMALL_PARK

runner = CliRunner()


def test_hand_cases_of_a_simulated_day():
    calls = np.zeros((3, 24))
    calls[:, 10] = 100  # 100 calls between 10:00 and 11:00, in each of three months
    calls[2] = 0  # the third month has none
    agents = np.zeros((3, 24))
    agents[1, 10:] = 500  # the second month: 500 agents from 10:00, every call answered at once
    level = simulate_queue(calls, agents, 300.0, 20.0, SimulationOptions(4, 7), number=0)
    assert level.mean[0] == 0 and np.all(level.by_replication[0] == 0)  # nobody to answer: none in time
    assert level.mean[1] == 1 and level.low[1] == 1 and level.high[1] == 1
    assert np.isnan(level.mean[2]) and np.all(np.isnan(level.by_replication[2]))


def test_simulated_levels_and_penalties(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL_PARK, encoding="utf-8")
    args = ["growth", str(path), "--json", "--quiet", "--simulate", "--replications", "4"]
    first, again = runner.invoke(app, args), runner.invoke(app, args)
    other = runner.invoke(app, [*args, "--seed", "1"])
    assert first.exit_code == 0, first.output
    assert first.stdout == again.stdout  # seeded: the same figures
    assert other.stdout != first.stdout
    doc = json.loads(first.stdout)["scenarios"][0]
    assert doc["simulation"] == {"replications": 4, "seed": 0}
    queues = {q["queue"]: q for q in doc["demand"]}
    gaps = []
    for contract in doc["contracts"]:
        mine = [q for q in doc["demand"] if q["client"] == contract["client"]]
        for m, row in enumerate(contract["months"]):
            if not row["contacts"]:
                assert row["simulated_service_level"] is None
                continue
            # the term is measured by the simulated level: the contacts-weighted mean of its queues'
            level = sum(q["months"][m]["simulated_service_level"] * q["months"][m]["contacts"] for q in mine
                        if q["months"][m]["contacts"]) / row["contacts"]
            assert row["service_level"] == pytest.approx(level, abs=1e-5)
            assert row["simulated_service_level"] == pytest.approx(level, abs=1e-5)
            assert row["simulated_low"] <= row["simulated_service_level"] <= row["simulated_high"]
            points = 100 * (level - contract["goal"])
            assert row["penalty"] == pytest.approx(
                {"Bank": 5000, "Telco": 3000}[contract["client"]] * max(0.0, -points), abs=2)  # levels to 6 decimals
            gaps.append(abs(row["simulated_service_level"] - row["erlang_service_level"]))
    assert queues["bank-fr"]["months"][0]["simulated_service_level"] is not None
    # Erlang C and the simulator model the same queue: they agree within a few points on the whole
    assert np.mean(gaps) < 0.03, gaps


def test_bad_simulation_options_are_named(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL_PARK, encoding="utf-8")
    result = runner.invoke(app, ["growth", str(path), "--simulate", "--replications", "1"])
    assert result.exit_code == 2 and "--replications" in result.stderr and "2 to 100" in result.stderr
