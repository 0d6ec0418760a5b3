"""Log-space Poisson and incomplete gamma against mpmath, from tiny to 10^7, including where scipy is inexact."""

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from casashore.queueing.special import log1mexp, log_gammainc_p, log_gammainc_q, log_poisson_pmf


def _mp_log_tail(a: float, x: float, upper: bool) -> float:
    """log of the gamma(a) mass below x (lower tail, x < a) or above x (upper tail, x > a), by quadrature
    over a window where the log-concave density falls from its value at x by e^-60 or more."""
    with mp.workdps(30):
        a, x = mp.mpf(a), mp.mpf(x)
        peak = (a - 1) * mp.log(x) - x
        slope = abs((a - 1) / x - 1)
        width = 60 / slope + 60 * mp.sqrt(a)
        if upper:
            points = [x + width * k / 16 for k in range(17)]
        else:
            width = min(x, width)
            points = [max(mp.mpf(0), x - width + width * k / 16) for k in range(17)]
        value = mp.quad(lambda t: mp.exp((a - 1) * mp.log(t) - t - peak), points)
        return float(mp.log(value) + peak - mp.loggamma(a))


def mp_log_p(a: float, x: float) -> float:
    return _mp_log_tail(a, x, upper=False)


def mp_log_q(a: float, x: float) -> float:
    return _mp_log_tail(a, x, upper=True)


# (a, x): small shapes, scipy's expansion window, and beyond it at 10^6 and 10^7 where scipy's own truncated
# series is off by 1e-5 and 4 % (measured), and the far tails where scipy underflows to zero.
LOWER_CASES = [(5.0, 2.0), (91.0, 3.28), (921.1, 469.5), (985044.8, 980559.7), (9798313.1, 9784127.1),
               (1213270.2, 1201466.0), (9804391.4, 9683904.6), (2610.0, 1547.6)]


@pytest.mark.parametrize(("a", "x"), LOWER_CASES)
def test_log_p_matches_mpmath(a, x):
    assert float(log_gammainc_p(a, x)) == pytest.approx(mp_log_p(a, x), abs=1e-10)


@pytest.mark.parametrize(("a", "x"), [(3.0, 40.0), (188.99, 177.06), (16349.9, 23916.1), (1e6, 1.003e6),
                                      (1e6, 1.01e6), (1e6 + 1, 1.2e6), (50.0, 2000.0)])
def test_log_q_matches_mpmath(a, x):
    assert float(log_gammainc_q(a, x)) == pytest.approx(mp_log_q(a, x), abs=1e-10)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.0, 1e6), st.floats(0.01, 1e6))
@example(5e-324, 2.0)  # a subnormal k: k / lam underflows to 0
@example(46584.0, 1.0)
@example(550277.0, 227541.0)
@example(73702.0, 41942.0)
def test_log_poisson_pmf_matches_mpmath(k, lam):
    with mp.workdps(40):
        ref = k * mp.log(lam) - lam - mp.loggamma(k + 1)
    # Relative accuracy of the pmf is the absolute error of its log: a few ulps (4e-15) of |k - lam| and of the
    # log itself. Where the pmf is representable (log > -745) and matters (|k - lam| < 40 sqrt(lam) <= 4e4 at
    # 10^6), that is below 2e-10, inside the 1e-9 bar.
    tolerance = 1e-12 + 4e-15 * (abs(k - lam) + abs(float(ref)))
    assert float(log_poisson_pmf(k, lam)) == pytest.approx(float(ref), abs=tolerance)


def test_log1mexp_is_accurate_at_both_ends():
    assert float(log1mexp(-1e-20)) == pytest.approx(math.log(1e-20), rel=1e-15)
    assert float(log1mexp(-50.0)) == pytest.approx(-math.exp(-50.0), rel=1e-15)


def test_p_and_q_are_complements():
    a = np.array([0.5, 3.0, 40.0, 1e4, 1e6])
    x = np.array([0.7, 2.0, 45.0, 1.001e4, 0.999e6])
    total = np.exp(log_gammainc_p(a, x)) + np.exp(log_gammainc_q(a, x))
    np.testing.assert_allclose(total, 1.0, rtol=1e-13)
