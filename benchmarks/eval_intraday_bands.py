"""Where the intraday reforecast's band misses, and what each candidate predictive covers (issue 20, item 1):
the share of afternoon intervals inside the 80 % and 95 % bands made at noon, on rolling origins of both public
series, for each band candidate, next to the point forecast's WAPE.

    python benchmarks/eval_intraday_bands.py [--data ../shared/data] [--interval 30] [--as-of 12:00]
                                             [--series bank2003 feb1999] [--cache /tmp/intraday_days]

The days (each origin's day-ahead forecast, from the queue's chosen model fitted on the days before it, the
day's counts and the history) are made once by forecast/reforecast.py's ``queue_days`` and kept in the folder
``--cache``; the candidates are then scored on the same days:

* the North American bank, 2003 (one queue, handled calls, weekdays): every weekday from the fifth week on;
* the Anonymous Bank, February 1999 (six queues, call records): every day with a week of history before it (the
  day-ahead is then the average of the weeks there are; a day with fewer than five history days with two of
  their weekday before them gets the default level prior — counted apart —, its shape error measured on
  one-week profiles once five days have their weekday a week before).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import warnings
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from scipy.stats import gamma, lognorm, nbinom, poisson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def collect(data: Path, interval_min: int, as_of: str, series: str) -> list:
    """Every (origin, queue)'s QueueDay of ``series`` whose afternoon has calls."""
    from eval_intraday import workspace_of

    from casashore.errors import UserError
    from casashore.forecast.reforecast import queue_days
    from casashore.workspace.store import Workspace

    days = []
    with tempfile.TemporaryDirectory() as folder:
        if series == "bank2003":
            path, first_gap = workspace_of(data, Path(folder)), 28
        else:
            path, first_gap = Path(folder) / "feb1999.duckdb", 7
            with Workspace.open(path) as opened:
                opened.import_calls(data / "anonymous_bank_feb1999" / "data_anonymous_bank_february.txt",
                                    preset="anonymous-bank")
        with Workspace.open(path, read_only=True) as opened:
            start, end = _span(opened, interval_min)
            day = start + timedelta(days=first_gap)
            while day <= end:
                at = datetime.fromisoformat(f"{day.date()}T{as_of}")
                try:
                    made = queue_days(opened, as_of=at, interval_min=interval_min)
                except UserError as error:  # a queue with less than a week before the day
                    print(series, day.date(), "skipped:", error, flush=True)
                    made = []
                days += [m for m in made if m.today[m.seen_intervals:].sum() > 0]
                day += timedelta(days=1)
    return days


def _span(opened, interval_min: int) -> tuple[datetime, datetime]:
    from casashore.forecast.series import interval_counts

    series = interval_counts(opened, interval_min)
    busy = series.groupby(series["ds"].dt.normalize())["y"].sum()
    busy = busy[busy > 0]
    return busy.index.min().to_pydatetime(), busy.index.max().to_pydatetime()


LEVEL_NODES, SHAPE_NODES = 128, 48
"""Quantile nodes of the level's posterior and of a log-normal shape error the predictive CDFs are means over."""


def predictive_cdf(k: np.ndarray, f: np.ndarray, shape: float, rate: float, phi: np.ndarray, tails: str) -> np.ndarray:
    """P(calls <= k) of each interval (day-ahead ``f``, shape error variance ``phi``) with the level
    Gamma(shape, rate): the shape error Gamma (negative binomial given the level, the band's own model) or
    log-normal (the same mean and variance, heavier tails: a Poisson mixed over its quantiles)."""
    level = gamma.ppf((np.arange(LEVEL_NODES) + 0.5) / LEVEL_NODES, shape, scale=1 / rate)
    mu = f[:, None] * level[None, :]
    if np.all(phi <= 0):
        return poisson.cdf(k[:, None], mu).mean(axis=1)
    if tails == "gamma":
        size = 1 / np.maximum(phi, 1e-12)[:, None]
        return nbinom.cdf(k[:, None], size, size / (size + mu)).mean(axis=1)
    sigma = np.sqrt(np.log1p(phi))[:, None]
    e = lognorm.ppf((np.arange(SHAPE_NODES) + 0.5) / SHAPE_NODES, sigma, scale=np.exp(-sigma ** 2 / 2))
    return poisson.cdf(k[:, None, None], mu[:, :, None] * e[:, None, :]).mean(axis=(1, 2))


def candidates(interval_min: int):
    """name -> (QueueDay -> (level shape, level rate, each remaining interval's phi), the shape error's tails)."""
    from casashore.forecast.intraday import LevelPrior, posterior
    from casashore.forecast.reforecast import prior_of

    cache: dict[int, LevelPrior] = {}

    def prior(m) -> LevelPrior:
        if id(m) not in cache:
            cache[id(m)] = prior_of(m, interval_min)
        return cache[id(m)]

    def made(phi_of):
        def band(m):
            p = prior(m)
            shape, rate = posterior(m.day_ahead, m.today[:m.seen_intervals], p, interval_min)
            return shape, rate, phi_of(m, p, len(m.day_ahead) - m.seen_intervals)
        return band

    def levels(phi):  # the same phi for both bands
        return {80: phi, 95: phi}

    plain = _before_phi(interval_min)
    zero = made(lambda m, p, n: levels(np.zeros(n)))
    constant = made(lambda m, p, n: levels(np.full(n, plain(m, p))))
    drift = made(lambda m, p, n: levels(p.shape_errors(n, interval_min)))
    scales = made(lambda m, p, n: {level: dict(p.band_scales).get(level, 1.0) * p.shape_errors(n, interval_min)
                                   for level in (80, 95)})
    return {"Poisson and the level only (phi 0)": (zero, "gamma"),
            "one phi, Gamma shape error (before)": (constant, "gamma"),
            "one phi, log-normal shape error": (constant, "lognormal"),
            "phi0 + phi1 h, Gamma": (drift, "gamma"),
            "phi0 + phi1 h, log-normal": (drift, "lognormal"),
            "phi0 + phi1 h, each band scaled on the history (after)": (scales, "gamma")}


def _before_phi(interval_min: int):
    """The one phi of the band before its horizon term (``plain_shape_error`` on the same profiles)."""
    from casashore.forecast.intraday import MIN_DAYS, LevelPrior, history_pairs, history_updates, plain_shape_error
    from casashore.forecast.reforecast import PROFILE_WEEKS

    def phi(m, p) -> float:
        if len(history_pairs(m.grid, m.weekdays, 4)) < MIN_DAYS:
            return 0.0  # the default prior's
        pairs = history_pairs(m.grid, m.weekdays, PROFILE_WEEKS.get(m.model, 4))
        return plain_shape_error(history_updates(pairs, LevelPrior(p.shape, p.half_life_h), interval_min))
    return phi


def score(days: list, band, tails: str, interval_min: int) -> dict:
    """Per afternoon interval expecting calls: whether it fell in the 80 % and 95 % bands, below the 95 % band,
    its horizon (h) and its day's index; the central band [lo, hi] of level l holds y when F(y) >= (1 - l) / 2
    (y >= lo, the smallest count whose F reaches it) and F(y - 1) < (1 + l) / 2 (y <= hi)."""
    from casashore.forecast.intraday import horizons_h

    cols: dict[str, list] = {"in80": [], "in95": [], "below95": [], "h": [], "day": []}
    for j, m in enumerate(days):
        shape, rate, phis = band(m)
        k = m.seen_intervals
        f, y = m.day_ahead[k:], m.today[k:]
        expected = f > 0
        f, y = f[expected], y[expected]
        for level in (80, 95):
            phi = np.asarray(phis[level])[expected]
            at, before = (predictive_cdf(y - d, f, shape, rate, phi, tails) for d in (0, 1))
            tail = (1 - level / 100) / 2
            cols[f"in{level}"].append((at >= tail) & (before < 1 - tail))
        cols["below95"].append(at < 0.025)
        cols["h"].append(horizons_h(len(m.day_ahead) - k, interval_min)[expected])
        cols["day"].append(np.full(len(f), j))
    return {key: np.concatenate(v) for key, v in cols.items()}


def report(name: str, days: list, interval_min: int) -> None:
    """Each candidate's coverage, overall and in parts, and the point forecast's WAPE (the same for all)."""
    from casashore.forecast.intraday import MIN_DAYS, history_pairs, posterior
    from casashore.forecast.reforecast import prior_of

    if name == "bank2003":
        parts = {"first 72 origins": lambda d: d < 72, "last 72": lambda d: d >= 72}
    else:
        short = np.array([len(history_pairs(m.grid, m.weekdays, 4)) < MIN_DAYS for m in days])
        parts = {"estimated prior": lambda d: ~short[d], "short history (the default level prior)": lambda d: short[d]}
    da = up = total = 0.0
    for m in days:
        k = m.seen_intervals
        shape, rate = posterior(m.day_ahead, m.today[:k], prior_of(m, interval_min), interval_min)
        y, f = m.today[k:], m.day_ahead[k:]
        da, up, total = da + np.abs(y - f).sum(), up + np.abs(y - f * shape / rate).sum(), total + y.sum()
    queues = len({m.queue for m in days})
    print(f"\n{name}: {len(days)} days x queues ({queues} queues), as of noon, {interval_min}-minute intervals; "
          f"afternoon WAPE day-ahead {da / total:.4f}, updated {up / total:.4f}")
    print("| candidate | 80 % | 95 % | below / above the 95 % | 95 %: 0-3 h, 3-6 h, 6 h+ | "
          + " | ".join(f"{part} 80 / 95 %" for part in parts) + " |")
    for label, (band, tails) in candidates(interval_min).items():
        got = score(days, band, tails, interval_min)
        near, mid, far = (got["in95"][sel].mean() for sel in
                          (got["h"] < 3, (got["h"] >= 3) & (got["h"] < 6), got["h"] >= 6))
        below = got["below95"].mean()
        above = 1 - got["in95"].mean() - below
        cells = [f"{got['in80'][part(got['day'])].mean():.1%} / {got['in95'][part(got['day'])].mean():.1%}"
                 for part in parts.values()]
        print(f"| {label} | {got['in80'].mean():.1%} | {got['in95'].mean():.1%} | {below:.1%} / {above:.1%} | "
              f"{near:.1%}, {mid:.1%}, {far:.1%} | " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--interval", type=int, default=30)
    parser.add_argument("--as-of", default="12:00")
    parser.add_argument("--series", nargs="+", choices=["bank2003", "feb1999"], default=["bank2003", "feb1999"])
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "intraday_days")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    args.cache.mkdir(parents=True, exist_ok=True)
    made = {}
    for series in args.series:
        cached = args.cache / f"{series}_{args.interval}_{args.as_of.replace(':', '')}.pkl"
        if not cached.exists():
            cached.write_bytes(pickle.dumps(collect(args.data, args.interval, args.as_of, series)))
        made[series] = pickle.loads(cached.read_bytes())
    for name, days in made.items():
        report(name, days, args.interval)


if __name__ == "__main__":
    main()
