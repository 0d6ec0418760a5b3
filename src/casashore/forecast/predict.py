"""Each queue's chosen candidate fitted on its whole history and forecast ahead, with prediction intervals, the
AHT of each interval and the client country's public holidays."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import poisson

from casashore.forecast import candidates
from casashore.forecast.calendar import holiday_names, without_holidays


def aht_profile(data: pd.DataFrame, interval_min: int, weeks: int = 4) -> pd.Series:
    """AHT per (weekday, time of day) over the last ``weeks`` weeks: handle time over answered calls of those
    intervals; the queue's overall AHT where an interval had no answered call."""
    recent = data[data["ds"] > data["ds"].max() - pd.Timedelta(weeks=weeks)]
    key = [recent["ds"].dt.dayofweek, recent["ds"].dt.hour * 60 + recent["ds"].dt.minute]
    sums = recent.groupby(key)[["handle_s", "answered"]].sum()
    overall = data["handle_s"].sum() / data["answered"].sum() if data["answered"].sum() else np.nan
    return (sums["handle_s"] / sums["answered"].where(sums["answered"] > 0)).fillna(overall)


def forecast(series: pd.DataFrame, interval_min: int, chosen: dict[str, str], *, horizon_days: int,
             levels: tuple[int, ...] = (80, 95), countries: dict[str, str | None] | None = None) -> pd.DataFrame:
    """The chosen model of each queue, fitted on its whole history, ``horizon_days`` ahead with intervals.

    Columns: unique_id, ds, model, calls, calls_lo_<level> / calls_hi_<level> for each level, aht_s (the
    weekday x time-of-day AHT of the last four weeks) and holiday (the name of a public holiday of the queue's
    country on that date, else empty). Holidays in the history are smoothed out before fitting; a model without
    prediction intervals of its own gets Poisson ones around its point forecast.
    """
    frames = []
    for queue, data in series.groupby("unique_id", sort=True):
        name = chosen[str(queue)]
        country = (countries or {}).get(str(queue))
        fitted_on = without_holidays(data, country, interval_min)[["unique_id", "ds", "y"]]
        parts = candidates.parts(name)
        if len(parts) > 1:  # a combination: the mean of its parts' point forecasts, Poisson intervals
            outs = [candidates.named(part).forecast(fitted_on, interval_min, horizon_days, ()) for part in parts]
            out = outs[0][["unique_id", "ds"]].assign(
                **{name: np.mean([np.maximum(o[part].to_numpy(), 0.0) for o, part in zip(outs, parts, strict=True)],
                                 axis=0)})
        else:
            out = candidates.named(name).forecast(fitted_on, interval_min, horizon_days, levels)
        point = np.maximum(out[name].to_numpy(), 0.0)
        frame = pd.DataFrame({"unique_id": out["unique_id"].astype(str), "ds": out["ds"],
                              "model": name, "calls": point})
        for level in levels:
            lo, hi = f"{name}-lo-{level}", f"{name}-hi-{level}"
            if lo in out:
                frame[f"calls_lo_{level}"] = np.maximum(out[lo].to_numpy(), 0.0)
                frame[f"calls_hi_{level}"] = np.maximum(out[hi].to_numpy(), 0.0)
            else:
                frame[f"calls_lo_{level}"] = poisson.ppf((1 - level / 100) / 2, point)
                frame[f"calls_hi_{level}"] = poisson.ppf(1 - (1 - level / 100) / 2, point)
        profile = aht_profile(data, interval_min)
        slots = list(zip(frame["ds"].dt.dayofweek, frame["ds"].dt.hour * 60 + frame["ds"].dt.minute, strict=True))
        frame["aht_s"] = profile.reindex(slots).to_numpy()
        names = holiday_names(country, frame["ds"].min().date(), frame["ds"].max().date())
        frame["holiday"] = frame["ds"].dt.date.map(names).fillna("")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
