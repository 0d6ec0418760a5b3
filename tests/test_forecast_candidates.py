"""Adding a forecasting model touches one module: a candidate declared in forecast/candidates.py's registry (here
added by monkeypatch, as a newcomer's one line would) is scored by the backtest, chosen when it forecasts best
and forecast ahead, without any other module knowing its name."""

import numpy as np
import pandas as pd
import pytest
from statsforecast.models import Naive

from casashore.forecast import candidates
from casashore.forecast.backtest import backtest
from casashore.forecast.predict import forecast

NAME = "TestLastValue"


@pytest.fixture
def registry_with_naive(monkeypatch):
    """The registry plus statsforecast's Naive (the last value carried forward) under a test name."""
    added = candidates.Candidate(NAME, automatic=True,
                                 statsforecast=lambda alias, interval_min, weeks: Naive(alias=alias))
    monkeypatch.setattr(candidates, "CANDIDATES", (*candidates.CANDIDATES, added))


def _step_series(days: int = 35, step_day: int = 20, interval_min: int = 60) -> pd.DataFrame:
    """No calls, then 10 calls every interval from ``step_day`` on: after the step, the last value is exactly
    right and every seasonal model still remembers the empty weeks."""
    per_day = 1440 // interval_min
    ds = pd.date_range("2026-03-02", periods=days * per_day, freq=f"{interval_min}min")
    y = np.where(np.arange(days * per_day) >= step_day * per_day, 10.0, 0.0)
    return pd.DataFrame({"unique_id": "q", "ds": ds, "y": y, "handle_s": 180.0 * y, "answered": y})


def test_a_registered_candidate_is_scored_and_chosen(registry_with_naive):
    series = _step_series()
    tables: dict = {}
    result = backtest(series, 60, windows=2, forecasts=tables)["q"]  # both windows after the step
    assert [r["model"] for r in result["models"]][:len(candidates.names())] == [*candidates.names()]
    assert candidates.names()[-1] == NAME and NAME in tables["q"]
    wape = {r["model"]: r["wape"] for r in result["models"]}
    assert wape[NAME] == 0.0 and all(w > 0 for m, w in wape.items() if m != NAME)
    assert result["chosen"] == NAME  # the automatic choice may pick it, and it forecast best


def test_a_registered_candidate_forecasts_ahead(registry_with_naive):
    out = forecast(_step_series(), 60, {"q": NAME}, horizon_days=2)
    assert len(out) == 2 * 24 and set(out["model"]) == {NAME}
    np.testing.assert_allclose(out["calls"], 10.0)
    assert (out["calls_lo_95"] <= out["calls"]).all() and (out["calls"] <= out["calls_hi_95"]).all()


def test_an_unregistered_name_is_refused_naming_the_registry():
    from casashore.errors import UserError

    with pytest.raises(UserError, match="model names among"):
        backtest(_step_series(), 60, models=[NAME])


# The robust choice (forecast/backtest.py's ``choose``)

def test_choose_never_prefers_a_model_that_loses_to_the_four_week_average():
    from casashore.forecast.backtest import choose

    auto = list(candidates.automatic())
    assert choose({"SeasonalNaive": 0.30, "WeeklyAverage": 0.25, "DailyETS": 0.26}, auto) == ("WeeklyAverage", None)
    assert choose({"SeasonalNaive": 0.24, "WeeklyAverage": 0.25, "DailyETS": 0.20}, auto) == \
        ("DailyETS", ("SeasonalNaive", "DailyETS"))
    # a tie keeps the four-week average; a model scored alone (no reference) is chosen as before
    assert choose({"WeeklyAverage": 0.25, "DailyETS": 0.25}, auto) == ("WeeklyAverage", None)
    assert choose({"MSTL": 0.5, "SeasonalNaive": 0.4}, ["MSTL"]) == ("MSTL", None)


def _alternating_weeks(days: int = 56, interval_min: int = 60) -> pd.DataFrame:
    """Weekdays 08:00-18:00, 100 calls an hour one week and 140 the next, week after week: a model that follows
    the level (a trend, the last week) is 40 calls off every week, the four-week average only 20."""
    per_day = 1440 // interval_min
    ds = pd.date_range("2026-03-02", periods=days * per_day, freq=f"{interval_min}min")
    day = np.arange(days * per_day) // per_day
    hour = np.arange(days * per_day) % per_day
    level = np.where((day // 7) % 2, 140.0, 100.0)
    y = np.where((day % 7 < 5) & (8 <= hour) & (hour < 18), level, 0.0)
    return pd.DataFrame({"unique_id": "q", "ds": ds, "y": y, "handle_s": 180.0 * y, "answered": y})


@pytest.mark.parametrize("windows, combine, count", [(2, False, 2), (None, True, 4)])
def test_a_trend_model_that_loses_to_the_four_week_average_is_not_chosen(windows, combine, count):
    """On alternating weeks the daily-total model (which follows the level) has a backtest WAPE above the
    four-week average's: it is neither chosen nor part of a combination, and the choice's WAPE is at most the
    average's; by default (two windows, no combination) and with the options (as many windows as the history
    allows, the combination)."""
    result = backtest(_alternating_weeks(), 60, models=candidates.automatic(), windows=windows, combine=combine)["q"]
    wape = {r["model"]: r["wape"] for r in result["models"]}
    assert len(result["windows"]) == count  # eight weeks: four windows of a week after two of training at most
    assert wape["DailyETS"] > wape["WeeklyAverage"]
    assert "DailyETS" not in result["chosen"] and wape[result["chosen"]] <= wape["WeeklyAverage"]


def test_the_combination_is_scored_only_when_asked_for():
    """Off by default (it did not pay on the public series, docs/history.md): no ``A+B`` row; asked for, the
    mean of the two best is scored, its WAPE recomputed here from the backtest table. A growing level: the last
    week and the daily-total trend both beat the four-week average, so a pair is there to combine."""
    series = _alternating_weeks()
    day = np.arange(len(series)) // 24
    series["y"] = np.where(series["y"] > 0, 100.0 + 2.0 * day, 0.0)
    plain = backtest(series, 60, models=candidates.automatic())["q"]
    assert [r["model"] for r in plain["models"]] == list(candidates.automatic())
    tables: dict = {}
    combined = backtest(series, 60, models=candidates.automatic(), combine=True, forecasts=tables)["q"]
    rows = {r["model"]: r["wape"] for r in combined["models"]}
    (name,) = [m for m in rows if "+" in m]
    first, second = name.split("+")
    table = tables["q"]
    mean = (table[first].clip(lower=0) + table[second].clip(lower=0)) / 2
    assert rows[name] == pytest.approx(float((table["y"] - mean).abs().sum() / table["y"].sum()), rel=1e-12)
    assert {r["model"]: r["wape"] for r in plain["models"]} == {m: rows[m] for m in candidates.automatic()}


def test_a_combination_forecasts_the_mean_of_its_parts():
    series = _step_series()
    both = forecast(series, 60, {"q": "SeasonalNaive+WeeklyAverage"}, horizon_days=2)
    parts = [forecast(series, 60, {"q": name}, horizon_days=2)["calls"].to_numpy()
             for name in ("SeasonalNaive", "WeeklyAverage")]
    np.testing.assert_allclose(both["calls"], (parts[0] + parts[1]) / 2)
    assert set(both["model"]) == {"SeasonalNaive+WeeklyAverage"}
    assert (both["calls_lo_95"] <= both["calls"]).all() and (both["calls"] <= both["calls_hi_95"]).all()
