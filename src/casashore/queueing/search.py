"""Vectorised search for the fewest servers meeting a monotone target."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from casashore.errors import UserError

Meets = Callable[[np.ndarray], np.ndarray]

# Relative slack when comparing a computed measure with its target: a value computed in floating point may land
# an ulp past a limit it meets exactly (0.8 x 10 agents vs 8 Erlangs, or blocking at its own inverse's traffic).
TOLERANCE = 1e-12
MAX_SERVERS = 1e9
"""A thousand times the largest centre: a search going past it is chasing a target no count can meet."""


def fewest_meeting(lower: np.ndarray, guess: np.ndarray, meets: Meets) -> np.ndarray:
    """Smallest whole n >= ``lower`` with ``meets(n)`` true, element by element.

    ``meets`` maps an array of candidate counts (same shape as ``lower``) to booleans and must be monotone:
    once true, true for every larger n. ``guess`` (>= lower) is a first upper bracket; it is widened by
    doubling until it meets, so a poor guess costs a few evaluations, never a wrong answer. The whole search
    takes O(log n) vectorised evaluations.
    """
    lower = np.asarray(lower, dtype=float)
    hi = np.maximum(np.asarray(guess, dtype=float), lower)
    ok = meets(hi)
    while not ok.all():
        hi = np.where(ok, hi, lower + 2.0 * (hi - lower) + 1.0)
        if not (hi[~ok] < MAX_SERVERS).all():  # NaN from absurd inputs, or a target no count reaches
            raise UserError("target", "unreachable", f"a target some number of agents up to {MAX_SERVERS:.0e} "
                            "meets (check the durations: a handle time or patience far from seconds to hours?)")
        ok = meets(hi)
    lo = lower - 1.0  # invariant: meets(hi), and lo is below the answer
    while True:
        gap = hi - lo > 1.0
        if not gap.any():
            return hi.astype(np.int64)
        mid = np.where(gap, np.floor((lo + hi) / 2.0), hi)
        good = meets(mid)
        hi = np.where(gap & good, mid, hi)
        lo = np.where(gap & ~good, mid, lo)
