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
    result = backtest(series, 60, forecasts=tables)["q"]
    assert [r["model"] for r in result["models"]] == [*candidates.names()]
    assert result["models"][-1]["model"] == NAME and NAME in tables["q"]
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
