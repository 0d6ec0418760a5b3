"""The intraday as-of time (`--as-of`, ``as_of``): ISO 8601 to the minute, with an offset (an instant) or without
(a wall time on a clock the command names)."""

from __future__ import annotations

from datetime import datetime

from casashore.errors import UserError


def as_of_forms(clock: str) -> str:
    return f"a date and time such as 2026-03-02T12:00 ({clock}) or 2026-03-02T12:00+01:00"


def as_of_time(text: str, clock: str = "the client's wall time") -> datetime:
    """The ``--as-of`` time: ISO 8601 to the minute, with an offset (an instant) or without (on ``clock``: each
    queue's client wall time for the reforecast, the site's for the re-plan)."""
    try:
        if len(text) > 40:
            raise ValueError
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError("as_of", text[:40], as_of_forms(clock)) from None
    if at.second or at.microsecond or not 1900 <= at.year <= 2200:
        raise UserError("as_of", text, as_of_forms(clock) + " (whole minutes, years 1900 to 2200)")
    return at
