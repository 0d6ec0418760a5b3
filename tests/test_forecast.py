"""Backtests and forecasts on the Anonymous Bank's February 1999."""

import json
import re

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from casashore.workspace.store import Workspace
from conftest import shared_data

BANK = shared_data("anonymous_bank_feb1999", "data_anonymous_bank_february.txt")
pytestmark = pytest.mark.skipif(not BANK.exists(), reason=f"the Anonymous Bank log is not at {BANK}")
runner = CliRunner()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    path = tmp_path_factory.mktemp("bank") / "w.duckdb"
    result = runner.invoke(app, ["import", str(BANK), "--format", "anonymous-bank", "--workspace", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def backtest(workspace):
    result = runner.invoke(app, ["backtest", "--workspace", str(workspace), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_chosen_model_beats_seasonal_naive_on_ps(backtest):
    """The last two weeks of February, each forecast from the weeks before: the chosen model's WAPE on the
    main queue is lower than the baseline's (figures in docs/history.md)."""
    ps = backtest["queues"]["PS"]
    wape = {row["model"]: row["wape"] for row in ps["models"]}
    assert set(wape) == {"SeasonalNaive", "WeeklyAverage", "MSTL", "DailyETS"}
    assert ps["chosen"] != "SeasonalNaive" and wape[ps["chosen"]] < wape["SeasonalNaive"]
    assert ps["windows"] == ["1999-02-14 23:30:00", "1999-02-21 23:30:00"]
    for row in ps["models"]:
        assert set(row) == {"model", "wape", "mase", "bias"}


def test_seasonal_naive_wape_recomputed_by_hand(workspace, backtest):
    """Seasonal naive forecasts each half-hour of the last two weeks with the same half-hour a week earlier:
    its WAPE, recomputed here from plain counts, equals the backtest's."""
    con = duckdb.connect(str(workspace), read_only=True)
    rows = con.execute("""
        SELECT time_bucket(INTERVAL 30 MINUTE, timezone('Asia/Jerusalem', arrival_at)) AS t, count(*)
        FROM calls WHERE queue = 'PS' AND outcome <> 'other' GROUP BY 1""").fetchall()
    con.close()
    counts = dict(rows)
    start = min(counts).replace(hour=0, minute=0)
    grid = [start + np.timedelta64(30 * i, "m").astype(object) for i in range(28 * 48)]
    y = np.array([counts.get(t, 0) for t in grid], float)
    week = 7 * 48
    test = slice(14 * 48, 28 * 48)
    # Window 1 is forecast from week 2; window 2 from week 3: both are "same interval one week earlier".
    naive = y[test.start - week:test.stop - week]
    expected = np.abs(y[test] - naive).sum() / y[test].sum()
    got = next(r["wape"] for r in backtest["queues"]["PS"]["models"] if r["model"] == "SeasonalNaive")
    assert got == pytest.approx(expected, rel=1e-12)


def test_forecast_is_stored_with_intervals_and_site_time(workspace, tmp_path):
    result = runner.invoke(app, ["forecast", "--workspace", str(workspace), "--horizon", "7d", "--queue", "PS",
                                 "--json", "--output", str(tmp_path / "f.csv")])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    rows = doc["intervals"]
    assert len(rows) == 7 * 48 and doc["models"]["PS"] != "SeasonalNaive"
    first = rows[0]
    assert first["start"] == "1999-03-01T00:00:00+02:00"        # Israel, winter
    assert first["site_start"] == "1999-02-28T22:00:00"         # Morocco was on UTC+0 all of 1999
    assert all(r["calls_lo_95"] <= r["calls_lo_80"] <= r["calls"] + 1e-9 <= r["calls_hi_80"] + 2e-9
               and r["calls_hi_80"] <= r["calls_hi_95"] for r in rows)
    con = duckdb.connect(str(workspace), read_only=True)
    stored = con.execute("SELECT count(*) FROM forecasts WHERE run_id = ?", [doc["run_id"]]).fetchall()[0][0]
    con.close()
    assert stored == len(rows)


@pytest.mark.parametrize("args, words", [
    (["backtest", "--horizon", "30d"], "at least"),
    (["forecast", "--horizon", "0d"], "horizon"),
    (["backtest", "--interval", "7m"], "interval"),
    # every per-interval command cuts the day as the plan does: 20m divides a day but is refused, by name
    (["forecast", "--interval", "20m"], "interval: '20m' is not valid; expected 15m, 30m or 1h"),
    (["history", "--interval", "20m"], "interval: '20m' is not valid; expected 15m, 30m or 1h"),
    (["forecast", "--intraday", "--as-of", "2026-03-02T12:00", "--interval", "20m"], "expected 15m, 30m or 1h"),
    (["intraday", "replan", "--as-of", "2026-03-02T12:00", "--interval", "20m"], "expected 15m, 30m or 1h"),
    (["forecast", "--queue", "XX"], "queue"),
])
def test_forecast_user_errors(workspace, args, words):
    result = runner.invoke(app, [*args, "--workspace", str(workspace), "--json"])
    assert result.exit_code == 2, result.output
    assert words in result.stderr and result.stdout == ""


def test_aht_forecast_is_the_recent_weekday_profile(workspace):
    """Monday 09:00-09:30 AHT = handle time / answered calls of the Mondays 09:00-09:30 of the last four weeks."""
    result = runner.invoke(app, ["forecast", "--workspace", str(workspace), "--horizon", "7d", "--queue", "PS",
                                 "--json"])
    rows = json.loads(result.stdout)["intervals"]
    monday_nine = next(r for r in rows if r["start"] == "1999-03-01T09:00:00+02:00")
    con = duckdb.connect(str(workspace), read_only=True)
    expected = con.execute("""
        SELECT sum(handle_s) / count(*) FROM (SELECT timezone('Asia/Jerusalem', arrival_at) AS t, handle_s
                                             FROM calls WHERE queue = 'PS' AND outcome = 'answered')
        WHERE isodow(t) = 1 AND hour(t) = 9 AND minute(t) < 30 AND t > TIMESTAMP '1999-02-28 23:30:00' - INTERVAL 28 DAY
        """).fetchall()[0][0]
    con.close()
    assert monday_nine["aht_s"] == pytest.approx(expected, rel=1e-12)


def test_heatmap_and_backtest_figures_are_self_contained_html(workspace, tmp_path):
    heat, backtest_plot = tmp_path / "heat.html", tmp_path / "bt.html"
    assert runner.invoke(app, ["history", "--workspace", str(workspace), "--interval", "30m", "--plot",
                               str(heat)]).exit_code == 0
    assert runner.invoke(app, ["backtest", "--workspace", str(workspace), "--queue", "PS", "--plot",
                               str(backtest_plot)]).exit_code == 0
    page = heat.read_text()
    # plotly writes compact JSON with orjson and spaced, ASCII-escaped JSON without it: match either.
    assert "plotly" in page and re.search(r'"type":\s*"heatmap"', page)
    assert re.search(r"PS (—|\\u2014) mean offered calls", page)
    assert '<script src="http' not in page  # plotly.js is inside: no network needed
    page = backtest_plot.read_text()
    assert all(f'"PS {name}"' in page for name in ("actual", "WeeklyAverage", "SeasonalNaive", "DailyETS"))


def test_a_forecast_across_a_dst_switch_and_a_holiday(workspace):
    """Five weeks ahead reach Israel's 1999 spring-forward (2 April, 02:00 → 03:00: two half-hours do not
    exist and are left out) and Pesach (1 April, flagged by name)."""
    result = runner.invoke(app, ["forecast", "--workspace", str(workspace), "--horizon", "35d", "--queue", "PS",
                                 "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["intervals"]
    assert len(rows) == 35 * 48 - 2
    starts = [r["start"] for r in rows]
    assert "1999-04-02T01:30:00+02:00" in starts and "1999-04-02T03:00:00+03:00" in starts
    assert not any(s.startswith("1999-04-02T02:") for s in starts)
    assert {r["holiday"] for r in rows if r["start"].startswith("1999-04-01")} == {"Pesach"}
    assert {r["holiday"] for r in rows if r["start"].startswith("1999-03-31")} == {""}


def test_default_candidates_and_the_full_comparison(workspace):
    """The plan chooses among SeasonalNaive, WeeklyAverage and DailyETS; `casashore backtest` also scores MSTL
    (chosen only when asked for by name) and the shared figures are the same either way."""
    from casashore.errors import UserError
    from casashore.forecast.backtest import backtest
    from casashore.forecast.candidates import automatic, names
    from casashore.forecast.series import interval_counts

    with Workspace.open(workspace, read_only=True) as opened:
        series = interval_counts(opened, 30, queues=["NE", "PS"])
    assert automatic() == ("SeasonalNaive", "WeeklyAverage", "DailyETS") and "MSTL" in names()
    full = backtest(series, 30)
    default = backtest(series, 30, models=automatic())
    by_name = backtest(series, 30, models=["MSTL", "SeasonalNaive"], choose_from=["MSTL"])
    assert sorted(full) == sorted(default) == ["NE", "PS"]
    for queue in full:
        rows = {r["model"]: r for r in full[queue]["models"]}
        assert [r["model"] for r in default[queue]["models"]] == list(automatic())
        assert all(r == rows[r["model"]] for r in default[queue]["models"] + by_name[queue]["models"])
        assert full[queue]["chosen"] == default[queue]["chosen"] in automatic()
        assert by_name[queue]["chosen"] == "MSTL"
    with pytest.raises(UserError, match="Prophet"):
        backtest(series, 30, models=["Prophet"])


def test_mstl_smooths_with_r_stl_jumps():
    """R's stl() defaults for a daily period of 96 quarter-hours and seasonal window 11: t.window =
    nextodd(1.5 * 96 / (1 - 1.5 / 11)) = 167, l.window = nextodd(96) = 97, each jump ceiling(window / 10)."""
    from casashore.forecast.candidates import _stl_jumps

    assert _stl_jumps(96, 11) == {"seasonal_jump": 2, "trend_jump": 17, "low_pass_jump": 10}
    assert _stl_jumps(48, 11) == {"seasonal_jump": 2, "trend_jump": 9, "low_pass_jump": 5}


def test_several_queues_in_one_run_equal_one_run_per_queue(workspace, tmp_path):
    """forecast_queues (one backtest, one insert, each queue its own horizon) gives exactly the intervals and
    stored rows of forecast_workspace queue by queue; and the same inputs give the same bytes run to run."""
    import shutil

    from casashore.forecast.run import forecast_queues, forecast_workspace

    path = tmp_path / "w.duckdb"
    shutil.copy(workspace, path)
    zone = "Africa/Casablanca"
    with Workspace.open(path) as opened:
        one = {q: forecast_workspace(opened, interval_min=30, horizon_days=d, site_zone=zone, queue=q)
               for q, d in (("PS", 7), ("NE", 9))}
        both = forecast_queues(opened, interval_min=30, horizons={"PS": 7, "NE": 9}, site_zone=zone)
        again = forecast_queues(opened, interval_min=30, horizons={"NE": 9, "PS": 7}, site_zone=zone)
    con = duckdb.connect(str(path))
    stored = {run_id: con.execute("""SELECT queue, start_at, interval_min, model, calls, calls_lo, calls_hi, aht_s
                                     FROM forecasts WHERE run_id = ? ORDER BY queue, start_at""",
                                  [run_id]).fetchall()
              for run_id in [run.run_id for run in one.values()] + [both.run_id, again.run_id]}
    con.close()
    assert both.models == {"PS": one["PS"].models["PS"], "NE": one["NE"].models["NE"]}
    assert both.intervals == one["NE"].intervals + one["PS"].intervals  # queues in name order
    assert len([r for r in both.intervals if r["queue"] == "NE"]) == 9 * 48
    assert stored[both.run_id] == stored[one["NE"].run_id] + stored[one["PS"].run_id]
    assert json.dumps(again.intervals) == json.dumps(both.intervals) and again.models == both.models
    assert stored[again.run_id] == stored[both.run_id]



def test_interval_counts_do_not_depend_on_duckdbs_threads(tmp_path):
    """DuckDB adds doubles in parallel in an order set by its threads' timing: handle times are summed as exact
    decimals, so the series (and every forecast after it) is the same with one thread or four, every time."""
    import duckdb
    import numpy as np
    import pandas as pd

    from casashore.forecast.series import interval_counts

    Workspace.open(tmp_path / "w.duckdb").close()
    rng = np.random.default_rng(5)
    n = 300_000
    calls = pd.DataFrame({
        "import_id": 1, "call_key": [f"k{i}" for i in range(n)], "queue": "q",
        "arrival_at": pd.Timestamp("2026-03-02", tz="UTC") + pd.to_timedelta(rng.uniform(0, 14 * 86400, n), "s"),
        "outcome": "answered", "wait_s": rng.exponential(20.0, n), "handle_s": rng.lognormal(5.5, 0.6, n),
        "agent": None})
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("INSERT INTO queues (queue, time_zone) VALUES ('q', 'Europe/Paris')")
    con.register("calls_frame", calls)
    con.execute("INSERT INTO calls BY NAME SELECT * FROM calls_frame")
    con.close()
    series = []
    for threads in (1, 4, 1, 4):
        con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
        con.execute(f"SET threads TO {threads}")
        series.append(interval_counts(Workspace(con, tmp_path / "w.duckdb"), 30, queue="q")
                      .to_csv(float_format="%.17g"))
        con.close()
    assert len(set(series)) == 1
