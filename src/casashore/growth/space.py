"""Space: the seats each building needs month by month, the phases open, when a phase must open, and the park's
share of its cable.

    seats needed(m) = ceil(the busiest week's on-shift peak / seat use + trainees)
    (the on-shift peak: the most agents on shift at once in the schedule of the month's busiest week of the
    building's language pools, growth/week.py; seat use: the share of seats a team can use at that hour;
    trainees sit in training rooms counted as seats)
    its lower bound, seats at the busiest hour(m) = ceil(busiest site hour's agents on the phones / seat use +
    trainees) (the staffed agents of every queue of the building's operators, summed hour by hour)
    a phase must open by the first month whose seats needed exceed the seats of the phases opening before it
    (phases in order of opening, then as listed)
    cable: lines for the busiest hour's calls (handled or waiting) by Erlang B at the link's blocking, both
    directions at the codec's bit rate, against the cable less its headroom
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from casashore.domain.site import Link
from casashore.growth.scenario import Building, month_index
from casashore.growth.week import WeekSeats
from casashore.queueing.erlang_b import erlang_b_servers
from casashore.telecom.bandwidth import call_bandwidth


@dataclass(frozen=True)
class PhaseOpening:
    phase: str
    seats: int
    opening: str
    needed_by: str | None
    """The first month its seats are needed; None when the horizon never needs them."""
    late: bool
    """Needed before it opens."""


@dataclass(frozen=True)
class BuildingMonths:
    building: str
    peak_on_phones: np.ndarray
    on_shift_peak: np.ndarray
    trainees: np.ndarray
    seats_busiest_hour: np.ndarray
    """The lower bound: seats for the busiest hour's agents on the phones, without shifts."""
    seats_needed: np.ndarray
    seats_open: np.ndarray
    seats_short: np.ndarray
    floor_m2_needed: np.ndarray
    """Seats needed at the m2 per seat of the phases they fill, in opening order."""
    phases: list[PhaseOpening]
    schedule_stopped_by: list[str]
    """How the busiest weeks' schedules' searches stopped, each listed once."""


def seats_for(on_site: np.ndarray, seat_use: float, trainees: np.ndarray) -> np.ndarray:
    return np.ceil(np.round(on_site / seat_use + trainees, 9)).astype(int)


def building_months(building: Building, first: str, labels: list[str], agents: np.ndarray,
                    trainees: np.ndarray, week: WeekSeats) -> BuildingMonths:
    """``agents``: months x 24 site hours on the phones; ``trainees``: per month; ``week``: the busiest weeks'
    schedules."""
    peak = agents.max(axis=1) if agents.size else np.zeros(len(labels))
    bound = seats_for(peak, building.seat_use, trainees)
    needed = seats_for(week.on_shift_peak, building.seat_use, trainees)
    order = sorted(range(len(building.phases)), key=lambda i: (building.phases[i].opening, i))
    phases = [building.phases[i] for i in order]
    opens_at = np.array([month_index(first, p.opening) for p in phases])
    seats = np.array([p.seats for p in phases])
    months = np.arange(len(labels))
    open_now = np.array([seats[opens_at <= m].sum() for m in months])
    before = np.concatenate([[0], np.cumsum(seats)[:-1]])
    openings = []
    for p, at, below in zip(phases, opens_at, before, strict=True):
        beyond = np.flatnonzero(needed > below)
        needed_by = int(beyond[0]) if len(beyond) else None
        openings.append(PhaseOpening(p.name, p.seats, p.opening, None if needed_by is None else labels[needed_by],
                                     bool(needed_by is not None and needed_by < at)))
    floor = np.zeros(len(labels))
    for m, want in enumerate(needed):
        left = want
        for p in phases:
            take = min(left, p.seats)
            floor[m] += take * p.m2_per_seat
            left -= take
        floor[m] += left * phases[-1].m2_per_seat  # beyond every phase: at the last phase's density
    return BuildingMonths(building.name, peak, week.on_shift_peak, trainees, bound, needed, open_now,
                          np.maximum(needed - open_now, 0), floor, openings, week.stopped_by)


@dataclass(frozen=True)
class CableMonths:
    lines: np.ndarray
    bandwidth_bps: np.ndarray
    share: np.ndarray


def cable_months(link: Link, line_erlangs: np.ndarray) -> CableMonths:
    """``line_erlangs``: months x 24, the park's calls holding a line."""
    busiest = line_erlangs.max(axis=1)
    lines = erlang_b_servers(busiest, np.full(len(busiest), link.blocking)).astype(int)
    per_call = call_bandwidth(link.codec, layer=link.layer).bps_per_call
    bandwidth = 2.0 * lines * per_call  # both directions share the count, as the plan's sizing does
    return CableMonths(lines, bandwidth, bandwidth / (link.capacity_bps * (1 - link.headroom)))
