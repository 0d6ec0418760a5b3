"""The intraday reforecast: the update's maths by hand and against mpmath, its invariants (hypothesis), the prior
estimated from a history, and `casashore forecast --intraday` and GET /api/forecast/intraday end to end on a
small workspace."""

import csv
import json
import math
import warnings
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.stats import gamma as gamma_dist
from scipy.stats import nbinom
from typer.testing import CliRunner

from casashore.forecast.intraday import (
    DEFAULT_PRIOR,
    HistoryUpdates,
    LevelPrior,
    band_scales,
    estimate_prior,
    plain_shape_error,
    update,
    weights,
)
from casashore.interfaces.cli.app import app

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

from casashore.interfaces.web.api import create_app  # noqa: E402

runner = CliRunner()


# The update's maths

def test_the_plain_gamma_poisson_update_by_hand():
    """Prior Gamma(10, 10); 15 calls seen where 10 were expected: posterior Gamma(25, 20), level 1.25, the rest
    of the day-ahead times 1.25, weight 10 / 20."""
    got = update(np.array([0, 10, 10, 20, 20]), np.array([0, 15]), LevelPrior(10.0, math.inf), 30)
    assert got.seen == 15 and got.expected == 10
    assert got.level == pytest.approx(1.25) and got.weight == pytest.approx(0.5)
    np.testing.assert_allclose(got.calls, [12.5, 25, 25])


def test_the_discounted_update_by_hand():
    """Half-life 1 h, 30-minute intervals, as-of at the end of the second: the intervals' middles are 45 and 15
    minutes old, weights 2^-0.75 and 2^-0.25."""
    w1, w2 = 2 ** -0.75, 2 ** -0.25
    np.testing.assert_allclose(weights(2, 30, 1.0), [w1, w2])
    got = update(np.array([10, 10, 20]), np.array([6, 18]), LevelPrior(5.0, 1.0), 30)
    level = (5 + 6 * w1 + 18 * w2) / (5 + 10 * w1 + 10 * w2)
    assert got.level == pytest.approx(level, rel=1e-12)
    assert got.weight == pytest.approx((10 * w1 + 10 * w2) / (5 + 10 * w1 + 10 * w2), rel=1e-12)
    np.testing.assert_allclose(got.calls, [20 * level])


def _nbinom_quantile(q: float, n: float, p: float) -> int:
    """The smallest k whose negative-binomial P(N <= k) reaches q, summed term by term in mpmath: P(N = k) =
    Gamma(k + n) / (Gamma(n) k!) p^n (1 - p)^k (a Poisson whose mean is Gamma(n, rate p / (1 - p)))."""
    mp.mp.dps = 40
    n, p = mp.mpf(n), mp.mpf(p)
    total, k = mp.mpf(0), 0
    while True:
        total += mp.exp(mp.loggamma(k + n) - mp.loggamma(n) - mp.loggamma(k + 1)) * p ** n * (1 - p) ** k
        if total >= q - mp.mpf(10) ** -12:
            return k
        k += 1


DAY_AHEAD = np.array([4.0, 12.0, 0.0, 30.0, 7.5, 120.0])


def banded(prior: LevelPrior, seen: list[int]):
    """The update of DAY_AHEAD after ``seen``, the level's posterior Gamma(shape, rate) by hand, and per band level
    its tail and every interval of the rest with calls expected, as (level's tail, day-ahead, the interval's shape
    error, low, high); an interval expecting none has the band 0..0. The i-th interval of the rest (from 0) is
    (i + 1/2) half-hours after the as-of time: its shape error is the band's scale x (phi0 + phi1 (i + 1/2) / 2)."""
    got = update(DAY_AHEAD, np.array(seen, float), prior, 30)
    w = weights(len(seen), 30, prior.half_life_h)
    shape, rate = prior.shape + w @ np.array(seen, float), prior.shape + w @ DAY_AHEAD[:len(seen)]
    cells = []
    for level, (low, high) in got.bands.items():
        scale = dict(prior.band_scales).get(level, 1.0)
        for i, (f, lo, hi) in enumerate(zip(DAY_AHEAD[len(seen):], low, high, strict=True)):
            if f == 0:
                assert lo == hi == 0
            else:
                phi = scale * (prior.shape_error + prior.drift_per_h * (i + 0.5) / 2)
                cells.append(((1 - level / 100) / 2, f, phi, lo, hi))
    return got, shape, rate, cells


@pytest.mark.parametrize("prior, seen", [(LevelPrior(10.0, math.inf), [0, 15]), (LevelPrior(200.0, 0.5), [3, 40]),
                                         (LevelPrior(2.0, 2.0), [0, 0])])
def test_the_band_is_the_negative_binomial_posterior_predictive(prior, seen):
    _, shape, rate, cells = banded(prior, seen)
    for tail, f, _, lo, hi in cells:
        p = rate / (rate + f)
        assert lo == _nbinom_quantile(tail, shape, p)
        assert hi == _nbinom_quantile(1 - tail, shape, p)


def test_the_band_covers_simulated_days_as_it_says():
    """Days drawn from the model itself (a Gamma level, Poisson calls): the 80 % band of an interval covers about
    80 % of the draws once the morning is seen (the conditional distribution is what the band states)."""
    rng = np.random.default_rng(7)
    prior, day_ahead = LevelPrior(20.0, math.inf), np.full(8, 25.0)
    hits, n = 0, 0
    for _ in range(4000):
        calls = rng.poisson(rng.gamma(prior.shape, 1 / prior.shape) * day_ahead)
        got = update(day_ahead, calls[:4], prior, 30)
        low, high = got.bands[80]
        hits += int(low[0] <= calls[4] <= high[0])
        n += 1
    assert 0.78 <= hits / n <= 0.90  # a discrete band covers at least its level; 4,000 draws: +-1.3 %


def _reference_cdf(k: float, f: float, shape: float, rate: float, phi: float) -> float:
    """The band's CDF by the other order of integration: given the interval's shape error e ~ Gamma(1 / phi,
    1 / phi), the level's Gamma(shape, rate) mixed over makes the calls negative binomial (n = shape, p = rate /
    (rate + f e)); that CDF integrated over e's density by scipy's adaptive quadrature."""
    if k < 0:
        return 0.0
    density = gamma_dist(1 / phi, scale=phi)
    return quad(lambda e: nbinom.cdf(k, shape, rate / (rate + f * e)) * density.pdf(e), 0, np.inf,
                epsabs=1e-10, limit=200)[0]


@pytest.mark.parametrize("prior, seen", [(LevelPrior(10.0, math.inf, 0.02), [0, 15]),
                                         (LevelPrior(200.0, 0.5, 0.005, 0.004, ((80, 0.6), (95, 1.4))), [3, 40]),
                                         (LevelPrior(2.0, 2.0, 0.1), [0, 0])])
def test_the_band_with_a_shape_error_against_quadrature(prior, seen):
    """The band mixing the level's posterior with the shape error (a quadrature on the level's quantiles) against
    scipy's adaptive quadrature over the shape error: each bound is the reference's quantile, up to 2e-3 of
    probability at its edge. The second prior's shape error grows with the horizon and each band scales it."""
    got, shape, rate, cells = banded(prior, seen)
    for tail, f, phi, lo, hi in cells:
        for q, mine in ((tail, lo), (1 - tail, hi)):
            # the smallest count whose CDF reaches q: below it at mine - 1, at or above it at mine, unless
            # within the quadrature's 2e-3 of q (then the discrete band may move by one count)
            below, at = (_reference_cdf(mine + d, f, shape, rate, phi) for d in (-1, 0))
            assert below < q + 2e-3 and at > q - 2e-3, (f, q, mine, below, at)
    # and wider than the band without the shape error
    plain, _, _, _ = banded(LevelPrior(prior.shape, prior.half_life_h), seen)
    assert np.all(got.bands[95][1] >= plain.bands[95][1]) and np.any(got.bands[95][1] > plain.bands[95][1])


def test_the_band_with_a_shape_error_covers_simulated_days_as_it_says():
    """Days drawn with a Gamma level and a 15 % shape error per interval (phi 0.0225) on 60 calls a half-hour:
    the 80 % and 95 % bands cover about 80 % and 95 % of the afternoon's draws; the band without the shape error
    covers far less (the failure the shape error is there for)."""
    rng = np.random.default_rng(11)
    prior, day_ahead = LevelPrior(50.0, math.inf, 0.0225), np.full(8, 60.0)
    plain = LevelPrior(prior.shape, prior.half_life_h)
    hits, plain_hits, n = {80: 0, 95: 0}, 0, 0
    for _ in range(600):
        calls = rng.poisson(rng.gamma(prior.shape, 1 / prior.shape) * day_ahead
                            * rng.gamma(1 / prior.shape_error, prior.shape_error, 8))
        got = update(day_ahead, calls[:4], prior, 30)
        for level in (80, 95):
            low, high = got.bands[level]
            hits[level] += int(((low <= calls[4:]) & (calls[4:] <= high)).sum())
        low, high = update(day_ahead, calls[:4], plain, 30).bands[80]
        plain_hits += int(((low <= calls[4:]) & (calls[4:] <= high)).sum())
        n += 4
    assert 0.77 <= hits[80] / n <= 0.86 and 0.935 <= hits[95] / n <= 0.975
    assert plain_hits / n < 0.72


profiles = st.lists(st.floats(0, 500, allow_nan=False), min_size=2, max_size=30)
priors = st.builds(LevelPrior, st.floats(0.1, 1e4), st.sampled_from([0.5, 1.0, 4.0, math.inf]),
                   st.sampled_from([0.0, 0.01, 0.2]), st.sampled_from([0.0, 0.003]),
                   st.sampled_from([(), ((80, 0.5), (95, 2.0))]))


@settings(max_examples=150, deadline=None)
@given(profiles, priors, st.data())
def test_seen_as_forecast_leaves_the_rest_unchanged(day_ahead, prior, data):
    day_ahead = np.array(day_ahead)
    k = data.draw(st.integers(0, len(day_ahead) - 1))
    got = update(day_ahead, day_ahead[:k], prior, 15)
    np.testing.assert_allclose(got.calls, day_ahead[k:], rtol=1e-9, atol=1e-9)
    assert got.level == pytest.approx(1.0)


@settings(max_examples=150, deadline=None)
@given(profiles, priors, st.data())
def test_more_seen_calls_never_lower_the_rest(day_ahead, prior, data):
    day_ahead = np.array(day_ahead)
    k = data.draw(st.integers(1, len(day_ahead) - 1))
    seen = np.array(data.draw(st.lists(st.integers(0, 1000), min_size=k, max_size=k)), float)
    more = seen.copy()
    more[data.draw(st.integers(0, k - 1))] += data.draw(st.integers(1, 100))
    fewer, extra = update(day_ahead, seen, prior, 15), update(day_ahead, more, prior, 15)
    assert np.all(extra.calls >= fewer.calls)
    for level in (80, 95):
        assert np.all(extra.bands[level][0] >= fewer.bands[level][0])
        assert np.all(extra.bands[level][1] >= fewer.bands[level][1])


@settings(max_examples=100, deadline=None)
@given(profiles, priors, st.data())
def test_zero_volume_intervals_stay_zero(day_ahead, prior, data):
    day_ahead = np.array(day_ahead)
    closed = np.array(data.draw(st.lists(st.booleans(), min_size=len(day_ahead), max_size=len(day_ahead))))
    day_ahead[closed] = 0.0
    k = data.draw(st.integers(0, len(day_ahead) - 1))
    seen = np.array(data.draw(st.lists(st.integers(0, 1000), min_size=k, max_size=k)), float)
    got = update(day_ahead, seen, prior, 15)
    rest_closed = closed[k:]
    assert np.all(got.calls[rest_closed] == 0)
    assert all(np.all(b[rest_closed] == 0) for pair in got.bands.values() for b in pair)


def test_nothing_seen_is_the_day_ahead():
    got = update(np.array([0, 0, 5, 9]), np.array([]), LevelPrior(50.0, 1.0), 30)
    np.testing.assert_allclose(got.calls, [0, 0, 5, 9])
    assert got.level == 1 and got.weight == 0


# The prior from a history

def _history(days: int, shape: float | None, drift: bool, seed: int = 1,
             phi: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Weekdays of 48 half-hours open 08:00-18:00 with 40 calls a half-hour: each day's level Gamma(shape) (or
    1), with ``drift`` a level that wanders within the day (a random walk, reset each morning), with ``phi`` each
    interval's rate off the profile by a Gamma(1 / phi) factor (the shape error)."""
    rng = np.random.default_rng(seed)
    profile = np.zeros(48)
    profile[16:36] = 40.0
    grid, weekdays = [], []
    for d in range(days):
        weekday = d % 7
        level = rng.gamma(shape, 1 / shape) if shape else 1.0
        path = np.exp(np.cumsum(rng.normal(0, 0.08, 48))) if drift else np.ones(48)
        path = path * rng.gamma(1 / phi, phi, 48) if phi else path
        grid.append(rng.poisson(profile * level * path) if weekday < 5 else np.zeros(48))
        weekdays.append(weekday)
    return np.array(grid, float), np.array(weekdays)


def test_the_prior_strength_is_the_history_day_level_dispersion():
    """Day levels Gamma(25, 25) (a 20 % day-to-day spread): the estimated shape is about 25 (40 weekdays of
    eight weeks; the window-average forecast adds its own error, so it is a little lower)."""
    grid, weekdays = _history(84, 25.0, drift=False)
    prior = estimate_prior(grid, weekdays, 30)
    assert 10 < prior.shape < 40


def test_a_level_wandering_within_the_day_gets_a_short_half_life_and_a_steady_one_none():
    assert estimate_prior(*_history(84, 25.0, drift=True), 30).half_life_h <= 2
    assert math.isinf(estimate_prior(*_history(84, 25.0, drift=False), 30).half_life_h)


def test_the_shape_error_is_the_history_interval_dispersion():
    """Each interval's rate off the profile by 20 % (phi 0.04): the estimate is about 0.04 (the window-average
    forecast's own noise, ~40 / 4 calls^2 over 40^2, adds ~0.006); without it, about that noise alone."""
    assert 0.03 < estimate_prior(*_history(84, 25.0, drift=False, phi=0.04), 30).shape_error < 0.07
    assert estimate_prior(*_history(84, 25.0, drift=False), 30).shape_error < 0.015


def test_a_level_drifting_after_the_as_of_time_gets_a_shape_error_growing_with_the_horizon():
    """The level a random walk within the day (log steps of sd 0.08 a half-hour: a variance of ~0.013 an hour):
    phi1 about that (the update's own error adds some); a steady level with a 20 % shape error: no growth."""
    drifting = estimate_prior(*_history(84, 25.0, drift=True), 30)
    assert 0.008 < drifting.drift_per_h < 0.04
    assert estimate_prior(*_history(84, 25.0, drift=False, phi=0.04), 30).drift_per_h < 0.005


def _updates(rng, days: int, shocked: bool) -> HistoryUpdates:
    """20 intervals of 200 calls on each of ``days`` history days, the level's posterior Gamma(400, 400), a shape
    error Gamma of variance 0.02 (phi0, no drift), times a shock (log-normal, sd 0.5) on 3 % of the intervals when
    ``shocked`` (errors with heavier tails than the band's model)."""
    n = 20 * days
    shock = np.where(rng.random(n) < 0.03, np.exp(rng.normal(0, 0.5, n)), 1.0) if shocked else np.ones(n)
    level = np.repeat(rng.gamma(400, 1 / 400, days), 20)
    calls = rng.poisson(200 * level * rng.gamma(50, 1 / 50, n) * shock)
    return HistoryUpdates(calls.astype(float), np.full(n, 200.0), np.full(n, 400.0), np.full(n, 400.0),
                          np.tile((np.arange(20) + 0.5) / 2, days))


def _share_inside(updates: HistoryUpdates, phi: float, level: int) -> float:
    """The share of ``updates`` inside the band of ``level`` with the shape error ``phi``: each interval's CDF
    by scipy, the level's Gamma integrated on 64 of its quantiles (the band's calibration uses 8)."""
    nodes = gamma_dist.ppf((np.arange(64) + 0.5) / 64, 400, scale=1 / 400)
    size, tail = 1 / phi, (1 - level / 100) / 2
    p = size / (size + 200 * nodes[None, :])
    at, below = (nbinom.cdf(updates.calls[:, None] - d, size, p).mean(axis=1) for d in (0, 1))
    return float(((at >= tail) & (below < 1 - tail)).mean())


def test_each_band_is_scaled_to_cover_its_level_on_the_history():
    """Errors as the band's model says: both scales near 1, or near 2 given half the true phi (a band too narrow
    is widened). Heavier tails: phi matched to the errors' variance (its moment estimate) makes the bands too wide,
    the 80 % one most; scaled on 200 history days, each band covers its level on 200 fresh days of the same kind."""
    rng = np.random.default_rng(5)
    plain = _updates(rng, 200, shocked=False)
    right, half = dict(band_scales(plain, 0.02, 0.0)), dict(band_scales(plain, 0.01, 0.0))
    assert all(0.75 < right[level] < 1.33 and 1.5 < half[level] < 2.67 for level in (80, 95))
    history, fresh = _updates(rng, 200, shocked=True), _updates(rng, 200, shocked=True)
    phi = plain_shape_error(history)
    scales = dict(band_scales(history, phi, 0.0))
    assert _share_inside(fresh, phi, 80) > 0.84 and _share_inside(fresh, phi, 95) > 0.96
    assert scales[80] < scales[95] < 1
    assert 0.77 < _share_inside(fresh, phi * scales[80], 80) < 0.83
    assert 0.94 < _share_inside(fresh, phi * scales[95], 95) < 0.965
    assert band_scales(plain, 0.0, 0.0) == ()  # no shape error: nothing to scale


def test_a_one_week_profile_gets_a_larger_shape_error_and_the_same_level_prior():
    """The seasonal naive's profile is one week's counts: its Poisson noise (~40 calls^2 over 40^2, phi ~0.025)
    against a four-week average's (~0.006); the level's prior and half-life (hence the point forecast) unchanged."""
    history = _history(84, 25.0, drift=False)
    four, one = estimate_prior(*history, 30), estimate_prior(*history, 30, profile_weeks=1)
    assert (one.shape, one.half_life_h) == (four.shape, four.half_life_h)
    assert one.shape_error > 2 * four.shape_error and 0.015 < one.shape_error < 0.04


def test_a_short_history_gets_the_default_prior_and_a_shape_error_once_five_days_have_a_week_before():
    """Ten days (weekdays 7-9 have theirs a week before): the default prior, no shape error. Twelve (weekdays
    7-11): the default level prior, the shape error measured on one-week profiles: at least the intervals' 20 %
    (phi 0.04) and one week's Poisson noise (~0.025), and what the default prior's level leaves (days 20 % apart,
    the prior says 10 %)."""
    assert estimate_prior(*_history(10, 25.0, drift=False, phi=0.04), 30) == LevelPrior(*DEFAULT_PRIOR)
    prior = estimate_prior(*_history(12, 25.0, drift=False, phi=0.04), 30)
    assert (prior.shape, prior.half_life_h) == DEFAULT_PRIOR
    assert 0.065 < prior.shape_error + 4 * prior.drift_per_h < 0.3 and len(prior.band_scales) == 2


# End to end on a small workspace: an interval report of six weeks in Paris, the last day busier by half

MAPPING = """
kind = "intervals"
time_zone = "Europe/Paris"
timestamp_format = "%Y-%m-%d %H:%M"
interval_min = 30
country = "FR"
[columns]
queue = "queue"
start = "start"
offered = "offered"
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """2 February - 15 March 2026 (42 days, open 08:00-18:00 on weekdays, each day's level Gamma(20)), then
    Monday 16 March up to 11:30 with half as many calls again as usual."""
    folder = tmp_path_factory.mktemp("intraday")
    rng = np.random.default_rng(3)
    rows = []
    for d in range(43):
        day = np.datetime64("2026-02-02") + d
        if d % 7 >= 5:
            continue
        level = 1.5 if d == 42 else rng.gamma(20, 1 / 20)  # days vary: a 22 % spread of their level
        for i in range(16, 36 if d < 42 else 24):
            mean = 30 * level * (1.3 if 20 <= i < 28 else 1.0)
            rows.append(["fr_bank", f"{day} {i // 2:02d}:{30 * (i % 2):02d}", int(rng.poisson(mean))])
    report = folder / "report.csv"
    with report.open("w", newline="") as handle:
        csv.writer(handle).writerows([["queue", "start", "offered"], *rows])
    (folder / "report.toml").write_text(MAPPING)
    path = folder / "casashore.duckdb"
    result = runner.invoke(app, ["import", str(report), "--mapping", str(folder / "report.toml"),
                                 "--workspace", str(path)])
    assert result.exit_code == 0, result.output
    return path


def _intraday(workspace: Path, as_of: str, *extra: str) -> dict:
    result = runner.invoke(app, ["forecast", "--workspace", str(workspace), "--intraday", "--as-of", as_of,
                                 "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_cli_moves_the_afternoon_up_after_a_busy_morning(workspace, tmp_path):
    doc = _intraday(workspace, "2026-03-16T12:00", "--output", str(tmp_path / "rest.csv"))
    (queue,) = doc["queues"]
    assert queue["as_of"] == "2026-03-16T12:00:00+01:00" and queue["day"] == "2026-03-16"
    assert queue["seen_intervals"] == 24 and queue["seen_calls"] > 1.3 * queue["expected_calls"]
    assert queue["level"] > 1.2 and 0 < queue["weight"] < 1
    # the afternoon's expected calls: 30 x 1.5 a half-hour, 1.3 times that until 14:00
    truth = 30 * 1.5 * (4 * 1.3 + 8)
    assert abs(queue["rest_calls"] - truth) < abs(queue["day_ahead_rest"] - truth)
    rest = doc["intervals"]
    assert [r["start"] for r in rest][:2] == ["2026-03-16T12:00:00+01:00", "2026-03-16T12:30:00+01:00"]
    assert rest[0]["site_start"] == "2026-03-16T11:00:00"  # Casablanca is UTC+0 until 22 March 2026 (Ramadan)
    assert len(rest) == 24
    for r in rest:
        assert r["calls"] == pytest.approx(r["day_ahead"] * queue["level"])
        assert r["calls_lo_95"] <= r["calls_lo_80"] <= r["calls"] <= r["calls_hi_80"] <= r["calls_hi_95"] or \
            r["day_ahead"] == 0
    assert all(r["calls"] == r["calls_hi_95"] == 0 for r in rest if r["start"] >= "2026-03-16T18:00")
    with (tmp_path / "rest.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 24


def test_an_explicit_zone_is_the_same_instant(workspace):
    """12:00 in Paris (UTC+1 in March before the 29th) is 11:00 UTC: the same update either way."""
    naive = _intraday(workspace, "2026-03-16T12:00")
    utc = _intraday(workspace, "2026-03-16T11:00Z")
    assert naive["queues"] == utc["queues"] and naive["intervals"] == utc["intervals"]


def test_before_opening_the_day_ahead_and_after_the_close_nothing_left(workspace):
    early = _intraday(workspace, "2026-03-16T07:00")
    assert early["queues"][0]["level"] == 1 and early["queues"][0]["seen_calls"] == 0
    assert all(r["calls"] == r["day_ahead"] for r in early["intervals"])
    late = _intraday(workspace, "2026-03-16T19:00")
    assert all(r["calls"] == r["day_ahead"] == 0 for r in late["intervals"])


def test_a_day_with_nothing_recorded_yet_and_a_day_without_history(workspace):
    """Tuesday 17 March has no call in the workspace: at 12:00 the morning's zero calls pull the rest down. The
    first day of the history has nothing before it to forecast from: a user error naming the queue."""
    quiet = _intraday(workspace, "2026-03-17T12:00")
    assert quiet["queues"][0]["seen_calls"] == 0 and quiet["queues"][0]["level"] < 0.5
    result = runner.invoke(app, ["forecast", "--workspace", str(workspace), "--intraday", "--as-of",
                                 "2026-02-02T12:00"])
    assert result.exit_code == 2 and "fr_bank" in result.stderr and "Traceback" not in result.output


def test_a_queue_without_history_is_skipped_not_blocking_the_others(workspace, tmp_path):
    """A second queue whose calls begin on Monday 16 March (a queue the router began recording today) and a third
    with three days before it: asked for every queue, fr_bank is reforecast as before and the others are listed
    as skipped, with why, by the CLI (JSON and text) and `casashore serve`'s API; named alone, each is refused
    naming its history."""
    copy = tmp_path / "casashore.duckdb"
    copy.write_bytes(workspace.read_bytes())
    report = tmp_path / "new.csv"
    report.write_text("queue,start,offered\n" + "".join(f"es_new,2026-03-16 {h:02d}:00,12\n" for h in range(8, 11))
                      + "".join(f"it_short,2026-03-{d} 09:00,7\n" for d in (13, 14, 15, 16)))
    (tmp_path / "new.toml").write_text(MAPPING)
    imported = runner.invoke(app, ["import", str(report), "--mapping", str(tmp_path / "new.toml"),
                                   "--workspace", str(copy)])
    assert imported.exit_code == 0, imported.output
    doc = _intraday(copy, "2026-03-16T12:00")
    alone = _intraday(workspace, "2026-03-16T12:00")
    assert doc["queues"] == alone["queues"] and doc["intervals"] == alone["intervals"]  # fr_bank unchanged
    assert alone["skipped"] == []
    assert doc["skipped"] == [{"queue": "es_new", "reason": "no_history",
                               "why": "no call history before 2026-03-16 (its records begin on 2026-03-16)"},
                              {"queue": "it_short", "reason": "short_history",
                               "why": "3 days of history before 2026-03-16; a day-ahead forecast to update needs 7"}]
    text = runner.invoke(app, ["forecast", "--workspace", str(copy), "--intraday", "--as-of", "2026-03-16T12:00"])
    assert text.exit_code == 0 and "skipped: es_new — no call history before 2026-03-16" in text.stdout
    named = runner.invoke(app, ["forecast", "--workspace", str(copy), "--intraday", "--as-of", "2026-03-16T12:00",
                                "--queue", "es_new"])
    assert named.exit_code == 2 and "a day after the first day of es_new's history" in named.stderr
    client = TestClient(create_app(tmp_path), base_url="http://127.0.0.1:8000")
    got = client.get("/api/forecast/intraday", params={"as_of": "2026-03-16T12:00"})
    assert got.status_code == 200 and got.json()["skipped"] == doc["skipped"]
    refused = client.get("/api/forecast/intraday", params={"as_of": "2026-03-16T12:00", "queue": "es_new"})
    assert refused.status_code == 400 and "es_new's history" in refused.json()["error"]
    # no queue left to reforecast (the history's first day): a refusal saying each one's why, not an empty answer
    first = runner.invoke(app, ["forecast", "--workspace", str(copy), "--intraday", "--as-of", "2026-02-02T12:00"])
    assert first.exit_code == 2 and "no queue can be reforecast at this time: es_new: no call history before " \
        "2026-02-02 (its records begin on 2026-03-16); fr_bank: no call history before 2026-02-02" in first.stderr
    short = runner.invoke(app, ["forecast", "--workspace", str(copy), "--intraday", "--as-of", "2026-03-16T12:00",
                                "--queue", "it_short"])
    assert short.exit_code == 2 and "3 days of it_short before the as-of day" in short.stderr


@pytest.mark.parametrize("args, words", [
    (["--intraday"], "--as-of"),
    (["--as-of", "2026-03-16T12:00"], "--intraday"),
    (["--intraday", "--as-of", "noon"], "as_of"),
    (["--intraday", "--as-of", "2026-03-16T12:00:30"], "whole minutes"),
    (["--intraday", "--as-of", "2026-03-29T02:30"], "clocks skip"),
    (["--intraday", "--as-of", "2026-03-16T12:00", "--queue", "nope"], "queue"),
    (["--intraday", "--as-of", "2026-03-18T12:00"], "end 2026-03-16"),  # past the records: nothing seen is no call
    (["--intraday", "--as-of", "2026-03-16T12:00", "--horizon", "3d"], "no --horizon with --intraday"),
    (["--intraday", "--as-of", "2026-03-16T12:00", "--interval", "45m"], "15m, 30m or 1h"),
])
def test_intraday_user_errors(workspace, args, words):
    result = runner.invoke(app, ["forecast", "--workspace", str(workspace), *args])
    assert result.exit_code == 2 and words in result.stderr, result.output


def test_the_api_gives_the_cli_keys(workspace):
    client = TestClient(create_app(workspace.parent), base_url="http://127.0.0.1:8000")
    got = client.get("/api/forecast/intraday", params={"as_of": "2026-03-16T12:00", "queue": "fr_bank"})
    assert got.status_code == 200
    cli = _intraday(workspace, "2026-03-16T12:00", "--queue", "fr_bank")
    assert cli.pop("read") == [str(workspace)]  # which files the CLI read: the API shows no server path
    assert got.json() == cli
    bad = client.get("/api/forecast/intraday", params={"as_of": "2026-13-01T12:00"})
    assert bad.status_code == 400 and bad.json()["field"] == "as_of"
    assert client.get("/api/forecast/intraday").status_code == 422
    shape = client.get("/api/forecast/intraday", params={"as_of": "noon"})  # not the documented pattern
    assert shape.status_code == 422 and "as_of" in shape.text
    assert "/api/forecast/intraday" in client.get("/openapi.json").json()["paths"]


def test_the_api_needs_the_token_off_loopback(workspace):
    client = TestClient(create_app(workspace.parent, host="0.0.0.0", token="s3cret"), base_url="http://10.0.0.5:8000")
    assert client.get("/api/forecast/intraday", params={"as_of": "2026-03-16T12:00"}).status_code == 401
    ok = client.get("/api/forecast/intraday", params={"as_of": "2026-03-16T12:00"},
                    headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200
