"""The schedule use case's own rules: the roster's dates, and the requirement while the site is closed."""

from datetime import date, datetime, timedelta

import numpy as np
import pytest

from casashore.errors import UserError
from casashore.schedule.inputs import Requirement
from casashore.schedule.rules import staffed_while_open
from casashore.usecases.schedule import roster_days

ONE_DAY = Requirement([datetime(1900, 1, 1, h) for h in range(24)], 60, [""], {"": [1.0] * 24}, one_day=True)
TWO_WEEKS = Requirement([datetime(2026, 3, 2) + timedelta(hours=h) for h in range(24 * 14)], 60, [""],
                        {"": [1.0] * 24 * 14}, one_day=False)


@pytest.mark.parametrize("today, first", [(date(2026, 3, 4), date(2026, 3, 9)),  # a Wednesday: next Monday
                                          (date(2026, 3, 9), date(2026, 3, 16))])  # a Monday: the one after
def test_a_one_day_plan_is_rostered_from_next_monday_for_a_week(today, first):
    assert roster_days(ONE_DAY, None, None, today=today) == (first, 7, 1)
    assert roster_days(ONE_DAY, 3, "2026-05-01", today=today) == (date(2026, 5, 1), 21, 1)


def test_a_longer_plan_is_rostered_from_its_first_day():
    assert roster_days(TWO_WEEKS, None, None) == (date(2026, 3, 2), 14, 14)
    assert roster_days(TWO_WEEKS, 4, None) == (date(2026, 3, 2), 28, 14)


def test_a_wrong_roster_start_names_the_field():
    with pytest.raises(UserError, match="roster_start: '2026-13-01'"):
        roster_days(ONE_DAY, None, "2026-13-01")


def test_a_requirement_while_closed_is_reported_not_staffed():
    is_open = np.array([8 <= h < 20 for h in range(24)])
    staffed, closed = staffed_while_open(ONE_DAY, is_open)
    assert staffed.required[""] == [1.0 if 8 <= h < 20 else 0.0 for h in range(24)]
    assert closed == [("", h) for h in range(24) if not 8 <= h < 20]
