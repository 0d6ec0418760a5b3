"""Holidays in the history are smoothed out before fitting; unknown countries are named."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from casashore.errors import UserError
from casashore.forecast.calendar import holiday_names, without_holidays


def test_french_holidays_of_2026():
    names = holiday_names("FR", date(2026, 4, 1), date(2026, 5, 31))
    assert names[date(2026, 4, 6)] == "Easter Monday" and names[date(2026, 5, 1)] == "Labor Day"
    assert date(2026, 4, 7) not in names


def test_a_holiday_in_the_history_takes_the_same_day_a_week_earlier():
    ds = pd.date_range("2026-04-20", "2026-05-10 23:00", freq="60min")
    y = np.where(ds.hour.isin(range(8, 18)), 10.0, 0.0) + ds.dayofweek.to_numpy()  # a weekly pattern
    y[ds.date == date(2026, 5, 1)] = 0.0  # closed on Labour Day
    data = pd.DataFrame({"unique_id": "fr", "ds": ds, "y": y})
    smoothed = without_holidays(data, "FR", 60)
    may_first = (ds.date == date(2026, 5, 1))
    week_before = (ds.date == date(2026, 4, 24))
    np.testing.assert_array_equal(smoothed["y"].to_numpy()[may_first], y[week_before])
    np.testing.assert_array_equal(smoothed["y"].to_numpy()[~may_first], y[~may_first])
    assert without_holidays(data, None, 60) is data


def test_an_unknown_country_is_named():
    with pytest.raises(UserError, match="country"):
        holiday_names("XX", date(2026, 1, 1), date(2026, 12, 31))


def test_daily_ets_spreads_daily_totals_by_the_weekday_profile():
    """Four weeks where every weekday brings 96 calls shaped 1:2:1 over 08:00-11:00 and Saturdays none:
    the forecast repeats that shape and those totals."""
    from casashore.forecast.candidates import daily_ets

    ds = pd.date_range("2026-03-02", periods=28 * 24, freq="60min")  # a Monday
    shape = {8: 24.0, 9: 48.0, 10: 24.0}
    y = np.array([0.0 if t.dayofweek == 5 else shape.get(t.hour, 0.0) for t in ds])
    out = daily_ets(pd.DataFrame({"unique_id": "q", "ds": ds, "y": y}), 60, 7).reshape(7, 24)
    np.testing.assert_allclose(out.sum(axis=1), [96, 96, 96, 96, 96, 0, 96], atol=1e-6)
    np.testing.assert_allclose(out[0, 8:11], [24, 48, 24], atol=1e-6)
    assert out[0, :8].sum() == 0 and out[5].sum() == pytest.approx(0, abs=1e-6)
