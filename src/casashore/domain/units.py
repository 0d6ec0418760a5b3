"""Parsing of the quantities users type: durations, shares, rates and link capacities. The domain's models
(base.py's duration bounds, the shift's length, the link's capacity) and the use cases validate through these."""

from __future__ import annotations

import math
import re

from casashore.errors import UserError

MIN_DURATION_S = 0.001
MAX_DURATION_S = 1e7
"""The domain of every duration typed: 0 where allowed, else 1 ms to 1e7 s (about 116 days), or inf where
allowed (a patience that never ends). Nothing a contact centre times lies outside, and arithmetic inside stays
well within floating point."""
_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(ms|s|m|min|h|d)?\s*$")
_COMPOUND = re.compile(r"^\s*(?:([0-9]+)h)?\s*(?:([0-9]+)m(?:in)?)?\s*(?:([0-9]+)s)?\s*$")
_DURATION_UNITS_S = {None: 1.0, "s": 1.0, "ms": 0.001, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
CAPACITY_PATTERN = r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]{1,2})?)\s*([kKmMgGtT]?)(?:bps|bit/s|b/s)?\s*$"
"""A link capacity: a number (exponent of at most two digits) and an SI prefix; with at most 32 characters it
stays finite."""
_CAPACITY = re.compile(CAPACITY_PATTERN)
_CAPACITY_SCALE = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}


def duration_s(field: str, text: str | float, *, allow_zero: bool = False, allow_inf: bool = False) -> float:
    """Seconds from ``20``, ``20s``, ``30m``, ``1h``, ``2d``, ``500ms`` or ``7h30m``; UserError naming ``field``
    otherwise."""
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        if allow_inf and str(text).strip().lower() in ("inf", "infinite", "none"):
            return math.inf
        match = _DURATION.match(str(text))
        compound = None if match else _COMPOUND.match(str(text))
        if match:
            value = float(match.group(1)) * _DURATION_UNITS_S[match.group(2)]
        elif compound and sum(part is not None for part in compound.groups()) >= 2:
            hours, minutes, seconds = (int(part or 0) for part in compound.groups())
            value = hours * 3600.0 + minutes * 60.0 + seconds
        else:
            raise UserError(field, text, "a duration such as 20, 20s, 30m, 1h or 7h30m")
    if math.isnan(value) or (math.isinf(value) and not allow_inf) or value < 0 or (value == 0 and not allow_zero):
        need = "a duration >= 0" if allow_zero else "a duration > 0"
        raise UserError(field, text, f"{need} such as 20, 20s, 30m or 1h")
    if math.isfinite(value) and (value > MAX_DURATION_S or 0 < value < MIN_DURATION_S):
        raise UserError(field, text, f"a duration {'of 0 or ' if allow_zero else ''}from 1ms to {MAX_DURATION_S:.0e} "
                                     "seconds (about 116 days)")
    return value


def number(field: str, text: str | float, *, low: float = 0.0, high: float = math.inf, low_open: bool = False,
           high_open: bool = False, expected: str | None = None) -> float:
    """A finite number within [low, high] (open ends where asked); UserError naming ``field`` otherwise."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    bad = (math.isnan(value) or math.isinf(value) or value < low or value > high
           or (low_open and value == low) or (high_open and value == high))
    if bad:
        lo_b, hi_b = ("(" if low_open else "["), (")" if high_open else "]")
        raise UserError(field, text, expected or f"a number in {lo_b}{low:g}, {high:g}{hi_b}")
    return value


def share(field: str, text: str | float, *, allow_zero: bool = True, allow_one: bool = True) -> float:
    """A share between 0 and 1 (``0.8``; ``80%`` is read as 0.8)."""
    if isinstance(text, str) and text.strip().endswith("%"):
        try:
            text = float(text.strip()[:-1]) / 100.0
        except ValueError:
            raise UserError(field, text, "a share such as 0.8 or 80%") from None
    return number(field, text, low=0.0, high=1.0, low_open=not allow_zero, high_open=not allow_one,
                  expected=f"a share in {'[' if allow_zero else '('}0, 1{']' if allow_one else ')'} such as 0.8")


def capacity_bps(field: str, text: str | float) -> float:
    """Bits per second from ``40Gbps``, ``40 Gbit/s``, ``100M``, ``2.048Mbps`` or a plain number."""
    match = _CAPACITY.match(str(text)) if len(str(text)) <= 32 else None
    value = float(match.group(1)) * _CAPACITY_SCALE[match.group(2).lower()] if match else math.nan
    if not math.isfinite(value):
        raise UserError(field, text, "a link capacity such as 40Gbps, 100Mbps or 2048000 (at most 32 characters)")
    return value


def whole(field: str, text: str | float, *, low: int = 0) -> int:
    """A whole number >= ``low`` (``40``, ``40.0``); UserError naming ``field`` otherwise."""
    expected = f"a whole number >= {low}"
    value = number(field, text, low=low, expected=expected)
    if value != math.floor(value):
        raise UserError(field, text, expected)
    return int(value)


def json_number(value: float) -> float | None:
    """A number for JSON, which has no NaN or infinity: an undefined or unbounded measure becomes null."""
    value = float(value)
    return value if math.isfinite(value) else None


def day_interval_min(field: str, minutes: int) -> int:
    """An interval length in whole minutes that divides a day (15, 30, 60 ...): days then hold whole intervals,
    which every per-interval table (history, forecasts, schedules) relies on."""
    if minutes <= 0 or minutes != int(minutes) or 1440 % int(minutes):
        raise UserError(field, minutes, "a divisor of a day in minutes: 15, 30, 60 ...")
    return int(minutes)


DAY_INTERVALS_MIN = (15, 30, 60)
"""The intervals the per-interval commands and APIs (history, backtest, forecast, the intraday reforecast and
re-plan, the router's own) cut a day into: the plan's (plan/scenario.py), whose rosters the re-plan reads, and the
lengths interval reports come in. 20m divides a day but is none of them: a plan cannot take its forecast, and a
report of 30 minutes is not read at 20m."""


def interval_min(text: str) -> int:
    """An interval length of the day's grid, 15m, 30m or 1h, in minutes."""
    seconds = duration_s("interval", text)
    if seconds not in {60.0 * minutes for minutes in DAY_INTERVALS_MIN}:
        raise UserError("interval", text, "15m, 30m or 1h")
    return int(seconds // 60)
