"""Columnar results (issue 23, fourth pass): the per-interval rows the plan holds as one array per measure
(domain/columns.py) give exactly the records and the JSON they replaced, one row at a time or all at once, and the
plan's --json, written in pieces, is byte for byte the JSON it printed before."""

import dataclasses
import hashlib
import json
import math

import numpy as np
from typer.testing import CliRunner

from casashore.domain.columns import Codes, Series, column_of
from casashore.domain.json_record import json_chunks
from casashore.interfaces.cli.app import app
from casashore.plan.result import Forecast, ForecastInterval, ForecastIntervals, PlanResult, SkillRequirement
from casashore.plan.scenario import load_plan_scenario
from casashore.simulate.results import CallMeasures, GroupIntervals, QueueInterval, QueueIntervals, QueueResult
from casashore.usecases.plan import run_plan
from small_plan import SMALL_PLAN

runner = CliRunner()

SMALL_PLAN_JSON_SHA256 = "c898bb5e8a9591d4ac9fea9ab5cd05c5524c73dcb258c73fe3baa6aeb387a23a"
"""tests/small_plan.py's --json (its report path as "REPORT"), printed by main before the columnar results
(832292f, whole dicts and json.dumps): a change of the plan's figures changes it, a change of how they are held
must not."""


def _queue_intervals(interval_min) -> QueueIntervals:
    offered = np.array([0.0, 3.5, 12.25, 7.0])
    level = np.array([np.nan, 0.8125, 1.0, np.inf])  # not measured, measured, measured, unbounded
    half = np.array([np.nan, 0.05, 0.0, np.nan])
    asa = np.array([0.0, 12.5, 3.25, 1e-9])
    return QueueIntervals.of(offered, {"service_level": (level, half), "asa": (asa, asa / 10)}, interval_min)


def test_queue_intervals_agree_with_their_rows():
    for interval_min in (15, 0.5):  # an int step writes ints, a float step floats, as i * interval_min did
        table = _queue_intervals(interval_min)
        rows = list(table)
        assert len(rows) == len(table) == 4 and all(isinstance(r, QueueInterval) for r in rows)
        assert [table[i] for i in range(4)] == rows and table[-1] == rows[-1] and table[1:3] == rows[1:3]
        built = [QueueInterval(interval=i, start_min=i * interval_min, offered=o,
                               measures=CallMeasures(p_wait=None, p_wait_ci95=None, p_abandon=None,
                                                     p_abandon_ci95=None, service_level=s, service_level_ci95=h,
                                                     asa=a, asa_ci95=a / 10, mean_time_to_abandon=None,
                                                     mean_time_to_abandon_ci95=None))
                 for i, (o, s, h, a) in enumerate([(0.0, None, None, 0.0), (3.5, 0.8125, 0.05, 12.5),
                                                   (12.25, 1.0, 0.0, 3.25), (7.0, None, None, 1e-9)])]
        assert rows == built
        assert table.to_json() == [r.to_json() for r in built]
        assert [type(r["start_min"]) for r in table.to_json()] == [type(interval_min)] * 4
        assert "".join(table.iter_json()) == json.dumps([r.to_json() for r in built])
        assert QueueIntervals.from_json(table.to_json()) == table == QueueIntervals.of_rows(built)
        level = table.column("service_level")
        assert math.isnan(level[0]) and level[1] == 0.8125 and math.isnan(level[3])
        assert table.values("service_level") == [None, 0.8125, 1.0, None]
        assert table.take(np.array([2, 0])).to_json() == [built[2].to_json(), built[0].to_json()]


def test_a_record_of_rows_reads_and_writes_as_before():
    intervals = _queue_intervals(15)
    queue = QueueResult(queue="fr", skill="fr", offered=22.75, service_level_goal=0.8,
                        measures=CallMeasures(**dict.fromkeys([f.name for f in dataclasses.fields(CallMeasures)])),
                        intervals=list(intervals))  # a list of records given: held as columns
    assert isinstance(queue.intervals, QueueIntervals) and queue.intervals == intervals
    document = queue.to_json()
    assert document["intervals"] == intervals.to_json()
    assert "".join(json_chunks(queue)) == json.dumps(document)
    assert QueueResult.from_json(document) == queue
    groups = GroupIntervals.of(np.array([0.5, np.nan]), np.array([0.01, np.nan]))
    assert groups.to_json() == [{"interval": 0, "occupancy": 0.5, "occupancy_ci95": 0.01},
                                {"interval": 1, "occupancy": None, "occupancy_ci95": None}]


def test_forecast_rows_keep_names_times_and_nulls():
    rows = [ForecastInterval(queue=q, start=f"2026-03-0{d}T09:00:00+01:00", site_start=f"2026-03-0{d}T08:00:00",
                             interval_min=30, model="SeasonalNaive", calls=c, calls_lo_80=c - 1, calls_hi_80=c + 1,
                             calls_lo_95=c - 2, calls_hi_95=c + 2, aht_s=aht, holiday=holiday)
            for q, d, c, aht, holiday in [("fr", 2, 10.0, 120.0, ""), ("fr", 3, float("nan"), None, "Fête"),
                                          ("de", 2, 0.0, 95.5, "")]]
    forecast = Forecast(models={"fr": "SeasonalNaive", "de": "SeasonalNaive"}, intervals=rows)
    table = forecast.intervals
    assert isinstance(table, ForecastIntervals)
    # NaN stays NaN, None stays null
    assert json.dumps([r.to_json() for r in table]) == json.dumps([r.to_json() for r in rows])
    assert json.dumps(forecast.to_json()) == "".join(json_chunks(forecast))
    assert "NaN" in json.dumps(forecast.to_json())
    assert table.coded("queue")[1] == ["fr", "de"]
    again = Forecast.from_json(json.loads(json.dumps(forecast.to_json())))
    assert json.dumps(again.to_json()) == json.dumps(forecast.to_json())


def test_a_column_gives_each_value_back_with_its_type():
    values = [1, 1.0, True, None, "1"]  # equal as dict keys, not as JSON
    assert Codes.of(values).values(0, 5) == values
    assert [type(v) for v in Codes.of(values).values(0, 5)] == [int, float, bool, type(None), str]
    assert column_of([3, -2]).values(0, 2) == [3, -2]
    assert column_of([0.5, None, float("inf")]).values(0, 3) == [0.5, None, float("inf")]
    assert column_of([2**70, 1]).values(0, 2) == [2**70, 1]


def test_a_series_reads_and_writes_as_the_list_it_stands_for():
    values = [0.1, 2.0, -0.0, 1e300, float("nan"), 3.25]
    requirement = SkillRequirement(on_phone=values, with_shrinkage=np.array(values),
                                   calls=[1, 2.5, None, 0.0, 1.0, 2.0], aht_s=np.arange(6.0))
    data = requirement.to_json()
    assert json.dumps(data) == json.dumps({"on_phone": values, "with_shrinkage": values,
                                           "calls": [1, 2.5, None, 0.0, 1.0, 2.0],
                                           "aht_s": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]})
    assert "".join(json_chunks(requirement)) == json.dumps(data)  # in pieces, the same bytes
    again = SkillRequirement.from_json(json.loads(json.dumps(data)))
    assert "".join(json_chunks(again)) == json.dumps(data)
    # Floats as one array; a list with ints or nulls kept as it was (1 stays 1, not 1.0).
    assert isinstance(np.asarray(requirement.on_phone), np.ndarray) and requirement.calls[0] == 1
    assert type(requirement.on_phone[1]) is float and list(requirement.aht_s) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert requirement.aht_s == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0] and requirement.aht_s[1:3] == [1.0, 2.0]
    # Read-only: a reader that changes the numbers must copy them, never change the plan's.
    array = np.asarray(requirement.with_shrinkage)
    assert not array.flags.writeable
    given = np.array([1.0, 2.0])
    series = Series(given)
    given[0] = 5.0
    assert series == [1.0, 2.0]


def test_the_plans_json_is_unchanged_written_in_pieces_and_read_back(tmp_path):
    """The small plan through `casashore plan --json` (the JSON written in pieces): the bytes main printed; the
    same plan read back from the workspace (its steps stored as JSON in pieces) is the same plan."""
    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL_PLAN)
    report = tmp_path / "plan.html"
    cli = runner.invoke(app, ["plan", str(scenario), "--workspace", str(tmp_path / "ws.duckdb"), "--report",
                              str(report), "--json"])
    assert cli.exit_code == 0, cli.output
    text = cli.stdout.rstrip("\n").replace(json.dumps(str(report)), '"REPORT"', 1)
    assert hashlib.sha256(text.encode()).hexdigest() == SMALL_PLAN_JSON_SHA256
    warm = run_plan(load_plan_scenario(scenario), tmp_path / "ws.duckdb", tmp_path / "again.html", "en",
                    fresh=False, progress=None)
    assert warm.reused_steps == ["forecast", "staffing", "schedule", "simulation"]
    cold = json.loads(text)
    assert {**warm.to_json(), "reused_steps": []} == {k: v for k, v in cold.items() if k != "report"}
    assert isinstance(warm, PlanResult) and isinstance(warm.simulation.queues[0].intervals, QueueIntervals)


def test_scenarios_simulated_in_waves_give_the_same_measures(monkeypatch):
    """The plan's blocks simulated a wave at a time (simulate/many.py: raw counts of one wave held at once): the
    same measures as all blocks at once."""
    from pathlib import Path

    from casashore.simulate import many
    from casashore.simulate.inputs import load_scenario

    base = load_scenario(Path(__file__).parent.parent / "examples" / "multiskill.toml")
    scenarios = [base.model_copy(update={"simulation": base.simulation.model_copy(update={
        "replications": 3, "seed": seed})}) for seed in (1, 2, 3)]
    together = many.simulate_scenarios(scenarios)
    monkeypatch.setattr(many, "WAVE_CELLS", 1)  # every scenario a wave of its own
    assert many._waves(scenarios, [many.checked_centre(s, 3) for s in scenarios]) == [[0], [1], [2]]
    assert [json.dumps(c.to_json()) for c in many.simulate_scenarios(scenarios)] == [
        json.dumps(c.to_json()) for c in together]
