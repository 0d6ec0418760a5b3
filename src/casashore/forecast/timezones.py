"""Demand in the client's time zone, staffing in the site's: interval starts mapped between zones explicitly.

A client in Paris counts calls per 15 minutes of Paris wall time; a site in Casablanca staffs per 15 minutes of
Casablanca wall time. The two differ by an offset that changes four times a year in 2026: the EU's
daylight-saving switches (29 March, 25 October) and Morocco's hour back during Ramadan (15 February to
22 March 2026). Intervals are therefore always mapped through instants (UTC), never by a fixed offset, using
the IANA rules (zoneinfo). Where the offset between the zones is not a multiple of the interval (Paris to
Kolkata, +4:30, with hourly intervals), an interval's calls are split between the two site intervals it
overlaps, in proportion to the overlap (arrivals uniform within an interval).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from casashore.domain.units import day_interval_min
from casashore.errors import UserError

SITE_ZONE = "Africa/Casablanca"


def zone(name: str, field: str = "time_zone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(field, name, "an IANA time zone such as Europe/Paris or Africa/Casablanca") from None


def localize(wall: datetime, zone_name: str, *, fold: int = 0) -> datetime:
    """The instant of a wall-clock time in a zone. A time skipped by a spring-forward switch does not exist
    and is an error; a repeated one (autumn) is the first occurrence unless ``fold=1``."""
    tz = zone(zone_name)
    aware = wall.replace(tzinfo=tz, fold=fold)
    back = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back != wall:
        raise UserError("start", wall.isoformat(), f"a time that exists in {zone_name} (the clocks skip it)")
    return aware


def exists(wall: datetime, zone_name: str) -> bool:
    """Whether a wall-clock time happens in a zone (false inside a spring-forward gap)."""
    tz = zone(zone_name)
    return wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall


def to_site_intervals(demand: Iterable[tuple[datetime, float]], interval_min: int,
                      site_zone: str = SITE_ZONE) -> dict[datetime, float]:
    """Calls per client interval (aware start instants) → calls per site interval (naive site wall starts).

    The total is kept exactly; an interval falls whole into one site interval when the offset between the
    zones is a multiple of the interval length, and is split by overlap otherwise.
    """
    day_interval_min("interval_min", interval_min)
    tz = zone(site_zone, "site_zone")
    length = timedelta(minutes=interval_min)
    out: dict[datetime, float] = defaultdict(float)
    for start, calls in demand:
        if start.tzinfo is None:
            raise UserError("start", start.isoformat(), "an instant with its time zone (use localize)")
        begin = start.astimezone(tz)
        wall = begin.replace(tzinfo=None)
        midnight = wall.replace(hour=0, minute=0, second=0, microsecond=0)
        into = (wall - midnight) % length  # how far the interval starts past a site interval boundary
        first = wall - into
        if not into:
            out[first] += calls
        else:
            share = 1.0 - into / length
            out[first] += calls * share
            out[first + length] += calls * (1.0 - share)
    return dict(out)
