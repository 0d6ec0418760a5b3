"""The router's clock: the wall clock, or a site clock that starts where it is told and runs faster than real time
(`route serve --clock-start 2026-03-02T07:00 --clock-speed 60`: training, replaying a day, driving a day for a
check in minutes). Every routing decision, wait, offer timeout, wrap-up, adherence figure, the site day's close
and every record read this clock (the service's ``now``); the SIP front's timers do not, which is why a fast clock
and SIP are not served together (usecases/route.py refuses it).

The site clock counts real time on the monotonic clock from its start, so a change of the machine's wall clock
does not move it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from casashore.errors import UserError

MAX_SPEED = 3600.0
"""An hour of the site's day per real second: a 12-hour day in 12 s. Faster, one HTTP request takes minutes of
site time and the ticker (route/http.py) cannot end wrap-ups and offers on time."""


@dataclass(frozen=True)
class SiteClock:
    start: float | None = None
    """Epoch seconds the clock shows when it starts; None: the wall clock's time then."""
    speed: float = 1.0
    """Site seconds per real second."""
    _origin: float = field(default_factory=time.monotonic, repr=False)
    _began: float = field(default_factory=time.time, repr=False)

    @property
    def replay(self) -> bool:
        """True when the clock is not the wall clock (a start given, or a speed other than 1)."""
        return self.start is not None or self.speed != 1.0

    def __call__(self) -> float:
        if not self.replay:
            return time.time()
        began = self._began if self.start is None else self.start
        return began + (time.monotonic() - self._origin) * self.speed


def clock_of(start: str | None, speed: str | float | None, time_zone: str) -> SiteClock:
    """``--clock-start`` (an ISO date-time; without an offset on the site's clock) and ``--clock-speed`` (1 to 3600)
    as a SiteClock not started yet (``started``), each refused naming its field."""
    rate = 1.0
    if speed is not None:
        try:
            rate = float(speed)
        except ValueError:
            rate = float("nan")
        if not 1.0 <= rate <= MAX_SPEED:  # NaN fails too
            raise UserError("clock_speed", speed, f"a number from 1 (real time) to {MAX_SPEED:g} (site seconds per "
                                                  "real second)")
    at = None
    if start is not None:
        try:
            if len(start) > 40:
                raise ValueError
            moment = datetime.fromisoformat(start.strip())
        except ValueError:
            raise UserError("clock_start", start[:40], "a date-time such as 2026-03-02T07:00 (the site's clock) or "
                                                       "2026-03-02T07:00+01:00") from None
        if not 1970 <= moment.year <= 2200:
            raise UserError("clock_start", start, "a date-time in the years 1970 to 2200")
        at = (moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(time_zone))).timestamp()
    return SiteClock(at, rate)


def started(clock: SiteClock) -> SiteClock:
    """The same clock counting from now (the router starting to serve)."""
    return SiteClock(clock.start, clock.speed)
