"""Scenario files: validation by field path, conversion to the engine, and the simulate command."""

import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from casashore.errors import UserError
from casashore.interfaces.cli.app import app
from casashore.simulate.inputs import load_scenario, scenario_from_dict
from casashore.simulate.scenario import centre_from_scenario, simulate_scenario

EXAMPLE = Path(__file__).parent.parent / "examples" / "multiskill.toml"
runner = CliRunner()


def example() -> dict:
    return tomllib.loads(EXAMPLE.read_text())


@pytest.mark.parametrize("change, path, words", [
    (lambda d: d["groups"][0]["skills"].update(german=1), "groups[0].skills.german", "skill some queue needs"),
    (lambda d: d["queues"][1].update(calls=[10, -5, 3, 4]), "queues[1].calls[1]", "a number of at least 0"),
    (lambda d: d["queues"][2].update(skill="arabic"), "queues[2].skill", "no group can serve"),
    (lambda d: d["queues"][0].update(aht_s=0), "queues[0].aht_s", "a number above 0"),
    (lambda d: d["queues"][0].update(aht=240), "queues[0].aht", "no such field"),
    (lambda d: d["groups"][1].update(agents=[1, 2]), "groups[1].agents", "4 values"),
    (lambda d: d["groups"][2]["delay_s"].update(german=5), "groups[2].delay_s.german", "group's skills"),
    (lambda d: d["queues"][0].update(handle={"distribution": "weibull"}), "queues[0].handle.distribution",
     "'lognormal'"),
    (lambda d: d["groups"].append(dict(d["groups"][0])), "groups[3].name", "not used twice"),
    (lambda d: d.update(interval_min=-15), "interval_min", "a number above 0"),
])
def test_scenario_errors_name_the_field_path(change, path, words):
    data = example()
    change(data)
    with pytest.raises(UserError) as caught:
        scenario_from_dict(data, where="s.toml")
    assert caught.value.field == path
    assert words in str(caught.value)


def test_cli_rejects_a_bad_scenario_before_running(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text().replace('skill = "english"', 'skill = "arabic"'))
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["simulate", str(bad), "--output", str(out), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "queues[2].skill" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_centre_arrays_follow_the_scenario():
    scenario = load_scenario(EXAMPLE)
    c = centre_from_scenario(scenario)
    assert c.rate_per_s.shape == (3, 4) and c.agents.shape == (3, 4)
    np.testing.assert_allclose(c.rate_per_s[0] * 1800, [300, 340, 320, 280])
    np.testing.assert_allclose(c.rate_per_s[2] * 1800, 100)
    assert c.priority.tolist() == [[1, -1, -1], [-1, 1, -1], [2, 2, 1]]
    assert c.delay_s[2].tolist() == [10.0, 10.0, 0.0]
    assert c.rate_shape[1] == pytest.approx(100.0) and c.rate_shape[0] == 0.0
    assert c.served_queues[2].tolist() == [2, 0, 1]


def test_simulating_the_example(tmp_path):
    scenario = load_scenario(EXAMPLE)
    _, run = simulate_scenario(scenario, replications=20, seed=3)
    result = run.to_json()
    assert [q["queue"] for q in result["queues"]] == ["fr_banking", "es_insurance", "en_telecom"]
    for q in result["queues"]:
        assert len(q["intervals"]) == 4
        assert 0 < q["service_level"] < 1 and q["service_level_ci95"] > 0
        assert q["offered"] == pytest.approx(sum(i["offered"] for i in q["intervals"]))
    assert all(0 < g["occupancy"] < 1 for g in result["groups"])
    out = tmp_path / "per_interval.csv"
    cli = runner.invoke(app, ["simulate", str(EXAMPLE), "--replications", "20", "--seed", "3", "--json",
                              "--output", str(out)])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout)["queues"][0]["service_level"] == result["queues"][0]["service_level"]
    assert len(out.read_text().splitlines()) == 1 + 3 * 4


def test_single_queue_mode_keeps_the_contract():
    cli = runner.invoke(app, ["simulate", "--calls", "720", "--interval", "3600", "--aht", "180", "--patience",
                              "120", "--agents", "40", "--target", "20", "--intervals", "4", "--replications", "4",
                              "--seed", "1", "--json"])
    assert cli.exit_code == 0, cli.output
    doc = json.loads(cli.stdout)
    for key in ("p_wait", "p_abandon", "service_level", "asa"):
        assert 0 <= doc[key] and doc[f"{key}_ci95"] > 0
    assert doc["calls_simulated"] > 720 * 4 * 4 * 0.9 and doc["calls_per_second"] > 0
    assert doc["formula"]["model"] == "erlang_a"


@pytest.mark.parametrize("args, words", [
    (["--calls", "-3", "--aht", "180", "--agents", "4"], "calls"),
    (["--calls", "30", "--aht", "180"], "--agents"),
    (["--calls", "30", "--aht", "180", "--agents", "4.5"], "whole number"),
    (["--calls", "30", "--aht", "3x", "--agents", "4"], "aht"),
    (["--calls", "30", "--aht", "180", "--agents", "4", "--replications", "0"], "replications"),
    (["--calls", "30", "--aht", "180", "--agents", "4", "--handle", "weibull"], "handle"),
    (["examples/multiskill.toml", "--calls", "30"], "no single-queue option"),
    (["no/such/file.toml"], "readable TOML"),
])
def test_simulate_user_errors_are_one_line(args, words):
    result = runner.invoke(app, ["simulate", *args, "--json"])
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and words in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_patience_none_is_erlang_c():
    cli = runner.invoke(app, ["simulate", "--calls", "100", "--interval", "30m", "--aht", "180", "--agents", "14",
                              "--replications", "50", "--json"])
    doc = json.loads(cli.stdout)
    assert doc["p_abandon"] == 0 and doc["formula"]["model"] == "erlang_c"
    assert math.isclose(doc["service_level"], doc["formula"]["service_level"], abs_tol=3 * doc["service_level_ci95"])


def test_trace_holds_every_counted_call(tmp_path):
    import duckdb

    trace = tmp_path / "calls.parquet"
    cli = runner.invoke(app, ["simulate", str(EXAMPLE), "--replications", "5", "--seed", "2", "--json",
                              "--trace", str(trace), "--output", str(tmp_path / "per_interval.csv")])
    assert cli.exit_code == 0, cli.output
    doc = json.loads(cli.stdout)
    rows = duckdb.sql(f"SELECT queue, count(*) AS calls, sum(answered::INT) AS answered, "
                      f"sum(CASE WHEN answered AND wait_s <= 20 THEN 1 ELSE 0 END) AS within, "
                      f"count(DISTINCT replication) AS reps, count(agent_group) AS with_group "
                      f"FROM '{trace}' GROUP BY queue").fetchall()
    by_queue = {q["queue"]: q for q in doc["queues"]}
    assert doc["trace_calls"] == sum(r[1] for r in rows)
    for queue, calls, answered, within, reps, with_group in rows:
        assert reps == 5 and with_group == answered
        assert calls == pytest.approx(by_queue[queue]["offered"] * 5)
        assert within / calls == pytest.approx(by_queue[queue]["service_level"], abs=1e-12)


def test_a_trace_that_cannot_be_written_changes_nothing(tmp_path):
    result = runner.invoke(app, ["simulate", "--calls", "30", "--aht", "180", "--agents", "4", "--replications",
                                 "2", "--trace", str(tmp_path / "missing" / "t.parquet"), "--json"])
    assert result.exit_code == 2 and "trace" in result.stderr and result.stdout == ""
    assert not (tmp_path / "missing").exists()
