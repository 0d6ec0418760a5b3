"""Email work with a deadline in the covering model (schedule/deadline_work.py): the schedule chooses when the work
is done, checked by hand and by the fluid backlog of queueing/email_backlog.py."""

from datetime import datetime, timedelta

import numpy as np
import pytest

from casashore.queueing.email_backlog import email_backlog
from casashore.schedule.covering import solve
from casashore.schedule.deadline_work import DeadlineWork, backlog_limits, due_boundaries
from casashore.schedule.inputs import Requirement, ShiftTemplate


def _day(hours: int = 24, step_min: int = 60) -> list[datetime]:
    first = datetime(2026, 12, 7)
    return [first + timedelta(minutes=step_min * i) for i in range(hours * 60 // step_min)]


def _requirement(starts, step_min=60, days=1) -> Requirement:
    return Requirement(starts, step_min, ["mail"], {"mail": [0.0] * len(starts)}, one_day=False)


def test_constant_arrivals_one_shift_a_day_deadline_need_the_work_over_one_minus_shrinkage_in_whole_shifts():
    # 10 items an hour day and night, 360 s each: 24 agent-hours of work a day; shrinkage 20 %: 30 agent-hours.
    # One 8-hour shift at 08:00: 30 / 8 = 3.75, so 4 shifts (3 take up 3 x 0.8 x 10 x 8 = 192 < 240 items).
    starts = _day()
    work = DeadlineWork(items=np.full(24, 10.0), aht_s=360.0, deadline_s=86400.0, shrinkage=0.2)
    shifts = [ShiftTemplate("day", 8 * 60, 8 * 60, 8.0, "mail")]
    result = solve(_requirement(starts), shifts, work={"mail": work})
    assert result.status == "optimal"
    assert result.counts == {("day", 0): 4}
    hours = sum(result.scheduled["mail"])
    assert hours == 32 == np.ceil(24 / (1 - 0.2) / 8) * 8


def test_the_schedule_puts_the_work_where_shifts_are_cheapest_and_the_fluid_meets_every_deadline():
    # The same work, an early shift at 8 and a late one at 10: a one-day deadline lets every agent work early,
    # where a level per interval over the open hours would staff the evening too.
    starts = _day()
    work = DeadlineWork(items=np.full(24, 10.0), aht_s=360.0, deadline_s=86400.0, shrinkage=0.2)
    shifts = [ShiftTemplate("early", 7 * 60, 8 * 60, 8.0, "mail"), ShiftTemplate("late", 15 * 60, 8 * 60, 10.0,
                                                                                  "mail")]
    result = solve(_requirement(starts), shifts, work={"mail": work})
    assert result.counts == {("early", 0): 4}
    # The fluid FIFO backlog (three copies of the repeating day, the middle judged) with the agents at work:
    at_work = np.asarray(result.scheduled["mail"]) * (1 - 0.2)
    fluid = email_backlog(np.tile(work.items, 3), np.tile(at_work, 3), 3600.0, 360.0, 86400.0)
    middle = slice(24, 48)
    assert fluid.missed[middle].sum() == pytest.approx(0.0, abs=1e-6)


def test_a_short_deadline_makes_the_schedule_staff_the_evening():
    # Open 07:00-23:00, items all day, a 4-hour deadline: the evening's items must be worked in the evening, and
    # the night's are due at the end of the first open hour (07:00-08:00).
    starts = _day()
    is_open = np.array([7 <= h < 23 for h in range(24)])
    work = DeadlineWork(items=np.full(24, 10.0), aht_s=360.0, deadline_s=4 * 3600.0, shrinkage=0.0)
    shifts = [ShiftTemplate(f"s{h:02d}", h * 60, 8 * 60, 8.0, "mail") for h in range(7, 16)]
    result = solve(_requirement(starts), shifts, work={"mail": work}, open_mask=is_open)
    scheduled = np.asarray(result.scheduled["mail"])
    assert scheduled[20:23].min() >= 1  # someone works the evening
    at_work = scheduled.astype(float)
    fluid = email_backlog(np.tile(work.items, 3), np.tile(at_work, 3), 3600.0, 360.0, 4 * 3600.0)
    # Every item whose 4 hours reach an open hour is on time: only the night's (arrived 23:00-04:00, due before
    # 08:00 when the interval's first is) may be late, 50 of 240.
    assert 0 < fluid.missed[24:48].sum() <= 50 + 1e-6
    assert fluid.missed[24 + 4:24 + 23].sum() == pytest.approx(0.0, abs=1e-6)


def test_due_boundaries_and_backlog_limits_by_hand():
    is_open = np.array([False, True, True, False])
    # A deadline of one interval: an open interval's items are due at its end; interval 0's (closed) at the end
    # of the first open one, 2; interval 3's (closed, then 0 closed in the next cycle) at the end of the next
    # cycle's interval 1: 4 + 2 = 6.
    assert due_boundaries(1, is_open).tolist() == [2, 2, 3, 6]
    assert due_boundaries(2, is_open).tolist() == [2, 3, 4, 6]
    limits = backlog_limits(np.array([1.0, 2.0, 3.0, 4.0]), 60.0, 60.0, is_open)
    # At the end of interval 0: interval 0's items and the last cycle's interval 3's (due at boundary 2) may wait;
    # at the ends of 1 and 2 nothing; at the end of 3, its own.
    assert limits.tolist() == [5.0, 0.0, 0.0, 4.0]


def test_work_no_shift_can_do_is_listed_as_uncoverable():
    # The work group's requirement is its floor (zero here): its items are what says a shift is missing. With no
    # template for "mail" every interval with items is uncoverable, as a flat level per interval was.
    starts = _day()
    work = DeadlineWork(items=np.full(24, 10.0), aht_s=360.0, deadline_s=86400.0, shrinkage=0.2)
    shifts = [ShiftTemplate("voice", 8 * 60, 8 * 60, 8.0, "voice")]
    requirement = Requirement(starts, 60, ["mail", "voice"], {"mail": [0.0] * 24, "voice": [1.0] * 24}, False)
    result = solve(requirement, shifts, work={"mail": work})
    assert {start for group, start in result.uncoverable if group == "mail"} == set(range(24))
