"""The documented domains of the queueing functions (docs/capacity.md, "Domains"). Outside them a formula would
answer nonsense (negative or infinite counts) or search for hours in compiled code that no Ctrl-C interrupts,
so the entry points refuse such inputs at once, naming the value.
"""

from __future__ import annotations

import numpy as np

from casashore.domain.units import MAX_DURATION_S  # handle times, targets and patience: one bound everywhere
from casashore.errors import UserError

MAX_TRAFFIC_ERLANGS = 1e6
"""The capacity core is checked to 1e-9 from 0 to 10^6 Erlangs (a million agents busy)."""
MAX_SERVERS = 1e7
"""Lines or agents given as input: ten times what the largest traffic needs."""


def check(field: str, values, *, low: float = 0.0, high: float, low_open: bool = False, allow_inf: bool = False,
          what: str) -> None:
    """Raise a UserError naming ``field`` and its first value outside [low, high] (NaN counts as outside; +inf
    is allowed only with ``allow_inf``)."""
    v = np.asarray(values, dtype=float)
    inside = (v > low if low_open else v >= low) & ((v <= high) | (allow_inf & np.isposinf(v)))
    if not inside.all():
        bad = float(v.reshape(-1)[np.argmin(inside.reshape(-1))])
        bracket = "(" if low_open else "["
        extra = ", or inf" if allow_inf else ""
        raise UserError(field, bad, f"{what} in {bracket}{low:g}, {high:g}]{extra}")


def check_traffic(traffic, field: str = "traffic") -> None:
    check(field, traffic, high=MAX_TRAFFIC_ERLANGS, what="traffic in Erlangs (calls x AHT / interval)")


def check_servers(servers, field: str = "servers") -> None:
    check(field, servers, high=MAX_SERVERS, what="a count of lines or agents")


def check_durations(aht_s=None, target_s=None, patience_s=None) -> None:
    if aht_s is not None:
        check("aht", aht_s, low_open=True, high=MAX_DURATION_S, what="a handle time in seconds")
    if target_s is not None:
        check("target", target_s, high=MAX_DURATION_S, what="an answer-time target in seconds")
    if patience_s is not None:
        check("patience", patience_s, low_open=True, high=MAX_DURATION_S, allow_inf=True,
              what="a mean patience in seconds")
