"""Paris demand onto Casablanca intervals across Morocco's Ramadan hour and the EU's switches in 2026.

Expected wall times are written by hand from the rules, not computed by the code under test: Morocco is on
UTC+1 except during Ramadan, when clocks go back to UTC+0 (15 February 2026 03:00 to 22 March 2026 02:00
local); Paris is UTC+1 in winter and UTC+2 from 29 March to 25 October 2026.
"""

from datetime import datetime

import pytest

from casashore.errors import UserError
from casashore.forecast.timezones import localize, to_site_intervals


@pytest.mark.parametrize("paris, casablanca", [
    ("2026-02-10 09:00", "2026-02-10 09:00"),   # winter: both UTC+1
    ("2026-02-14 23:45", "2026-02-14 23:45"),   # the night before Morocco's switch
    ("2026-02-15 09:00", "2026-02-15 08:00"),   # Ramadan hour: Casablanca UTC+0, Paris UTC+1
    ("2026-03-01 00:00", "2026-02-28 23:00"),   # ... across midnight into the previous day
    ("2026-03-21 18:30", "2026-03-21 17:30"),
    ("2026-03-23 09:00", "2026-03-23 09:00"),   # Morocco back on UTC+1, Paris still UTC+1
    ("2026-03-28 09:00", "2026-03-28 09:00"),
    ("2026-03-29 09:00", "2026-03-29 08:00"),   # EU summer time: Paris UTC+2
    ("2026-07-14 14:15", "2026-07-14 13:15"),
    ("2026-10-24 09:00", "2026-10-24 08:00"),
    ("2026-10-26 09:00", "2026-10-26 09:00"),   # EU winter time again
])
def test_paris_demand_lands_in_the_right_casablanca_interval(paris, casablanca):
    start = localize(datetime.fromisoformat(paris), "Europe/Paris")
    site = to_site_intervals([(start, 12.0)], 15)
    assert site == {datetime.fromisoformat(casablanca): 12.0}


def test_a_whole_day_of_quarter_hours_keeps_its_calls_on_the_eu_switch_day():
    """29 March 2026: Paris has 92 quarter-hours (02:00-03:00 does not exist); each lands on its own
    Casablanca interval: before 03:00 Paris (01:00 UTC) the clocks agree, after it Casablanca is an hour behind."""
    quarter_hours = [datetime(2026, 3, 29, h, m) for h in range(24) for m in (0, 15, 30, 45) if h != 2]
    demand = [(localize(t, "Europe/Paris"), float(i + 1)) for i, t in enumerate(quarter_hours)]
    site = to_site_intervals(demand, 15)
    assert len(site) == 92 and sum(site.values()) == sum(c for _, c in demand)
    assert site[datetime(2026, 3, 29, 1, 45)] == 8.0       # 01:45 Paris, still winter time
    assert site[datetime(2026, 3, 29, 2, 0)] == 9.0        # 03:00 Paris summer time = 01:00 UTC = 02:00 Casablanca
    assert site[datetime(2026, 3, 29, 2, 45)] == 12.0      # 03:45 Paris
    assert site[datetime(2026, 3, 29, 22, 45)] == 92.0     # 23:45 Paris is the last interval, 22:45 Casablanca


def test_a_skipped_paris_time_is_an_error_and_a_repeated_one_is_chosen_explicitly():
    with pytest.raises(UserError, match="skip"):
        localize(datetime(2026, 3, 29, 2, 30), "Europe/Paris")
    first = localize(datetime(2026, 10, 25, 2, 30), "Europe/Paris")
    second = localize(datetime(2026, 10, 25, 2, 30), "Europe/Paris", fold=1)
    assert to_site_intervals([(first, 1.0)], 15) == {datetime(2026, 10, 25, 1, 30): 1.0}
    assert to_site_intervals([(second, 1.0)], 15) == {datetime(2026, 10, 25, 2, 30): 1.0}


def test_an_offset_that_is_not_a_multiple_splits_the_interval():
    """Paris 09:00-10:00 (UTC+1) is Kolkata 13:30-14:30 (UTC+5:30): half in each hourly Kolkata interval."""
    start = localize(datetime(2026, 1, 12, 9, 0), "Europe/Paris")
    assert to_site_intervals([(start, 40.0)], 60, "Asia/Kolkata") == {
        datetime(2026, 1, 12, 13, 0): 20.0, datetime(2026, 1, 12, 14, 0): 20.0}


def test_bad_zones_and_intervals_are_named():
    with pytest.raises(UserError, match="time_zone"):
        localize(datetime(2026, 1, 1), "Europe/Pariss")
    start = localize(datetime(2026, 1, 1, 9), "Europe/Paris")
    with pytest.raises(UserError, match="interval_min"):
        to_site_intervals([(start, 1.0)], 7)
    with pytest.raises(UserError, match="start"):
        to_site_intervals([(datetime(2026, 1, 1, 9), 1.0)], 15)
