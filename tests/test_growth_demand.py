"""Long-range demand: volumes with ramp-up and trend, the month's FTE from Erlang C over the typical day, open days
and the Moroccan shrinkage by month (leave, public holidays, Ramadan)."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import numpy as np
import pytest

from casashore.growth.calendar import RAMADAN, months, open_days, shrinkage_by_month
from casashore.growth.demand import hour_shift, queue_demand, volumes
from casashore.growth.scenario import Contract, ContractQueue, Shrinkage
from casashore.queueing.staffing import required_agents


def queue(**changes) -> ContractQueue:
    return ContractQueue(**(dict(name="q", language="fr", start="2027-02", contacts_per_month=9000, aht_s=300)
                            | changes))


def test_ramp_and_trend():
    firsts = months("2027-01", 18)
    v = volumes(queue(ramp_months=3, trend_yearly=0.1), firsts)
    assert v[0] == 0  # before the start
    assert v[1:4] == pytest.approx([9000 / 4, 9000 * 2 / 4 * 1.1 ** (1 / 12), 9000 * 3 / 4 * 1.1 ** (2 / 12)])
    assert v[4] == pytest.approx(9000 * 1.1 ** (3 / 12))
    assert v[13] == pytest.approx(9000 * 1.1)  # a year after the start


def test_ramadan_dates_end_the_day_before_moroccos_eid_al_fitr():
    """The listed spans agree with the holidays package's Eid al-Fitr for Morocco (its first day)."""
    for first, last in RAMADAN:
        if last.year > 2030:
            continue
        eid = [d for d, name in holidays.country_holidays("MA", years=last.year).items() if "Eid al-Fitr" in name]
        assert min(eid) == last + timedelta(days=1)
        assert 28 <= (last - first).days <= 29  # 29 or 30 days of fasting


def test_shrinkage_by_month_by_hand():
    rules = Shrinkage()  # Moroccan defaults
    firsts = months("2027-01", 12)
    s = shrinkage_by_month(rules, firsts)
    # February 2027: 20 working days, Ramadan from the 8th: 15 of them; no public holiday
    assert s.ramadan[1] == pytest.approx(0.15 * 15 / 20)
    assert s.holidays[1] == 0
    # March 2027: Ramadan to the 8th (6 working days of 23), Eid al-Fitr on Tuesday 9 and Wednesday 10
    assert s.ramadan[2] == pytest.approx(0.15 * 6 / 23)
    assert s.holidays[2] == pytest.approx(2 / 23)
    # July 2027: 22 working days, a quarter of the 18 leave days (half the year's leave in July and August)
    assert s.leave[6] == pytest.approx(18 * 0.25 / 22)
    assert s.holidays[6] == pytest.approx(1 / 22)  # Throne Day, Friday 30
    # January: 21 working days, the rest of the leave spread over ten months; 1, 11 and 14 January off
    assert s.leave[0] == pytest.approx(18 * 0.05 / 21)
    assert s.holidays[0] == pytest.approx(3 / 21)
    total = 1 - (1 - 0.25) * (1 - s.leave) * (1 - s.holidays) * (1 - s.ramadan)
    assert s.total == pytest.approx(total)
    assert s.paid_hours_per_fte == pytest.approx(44 * 52 / 12)


def test_open_days_drop_the_clients_holidays():
    firsts = months("2027-05", 1)
    fr = set(holidays.country_holidays("FR", years=2027))
    # May 2027: 21 weekdays; 1 May is a Saturday, 8 May a Saturday, Ascension Thursday 6, Whit Monday 17
    assert open_days(firsts, ["mon", "tue", "wed", "thu", "fri"], fr).tolist() == [19]
    assert open_days(firsts, ["mon", "tue", "wed", "thu", "fri"], set()).tolist() == [21]


def test_hour_shift_follows_summer_time():
    # Casablanca stays at UTC+1 (Ramadan apart); Paris is +1 in winter and +2 in summer
    assert hour_shift("Europe/Paris", "Africa/Casablanca", date(2027, 1, 1)) == 0
    assert hour_shift("Europe/Paris", "Africa/Casablanca", date(2027, 7, 1)) == -1
    assert hour_shift("Africa/Dakar", "Africa/Casablanca", date(2027, 7, 1)) == 1


def test_fte_from_erlang_c_over_the_typical_day():
    """A flat 10-hour day: every open hour needs Erlang C's agents for a tenth of the day's calls."""
    profile = [0.0] * 8 + [1.0] * 10 + [0.0] * 6
    contract = Contract(client="c", operator="o", time_zone="Africa/Casablanca", price=1.0, target_s=20,
                        service_level=0.8, queues=[queue(start="2027-01", hourly_profile=profile)])
    firsts = months("2027-01", 2)
    s = shrinkage_by_month(Shrinkage(), firsts)
    d = queue_demand(contract, contract.queues[0], firsts, s, "Africa/Casablanca", "contracts[0].queues[0]")
    assert d.open_days.tolist() == [21, 20]
    calls = 9000 / 21 / 10
    agents = int(required_agents(calls * 300 / 3600, 300, target_s=20, service_level=0.8))
    assert d.agents[0, 8:18].tolist() == [agents] * 10
    assert d.agents[0, :8].sum() == 0
    assert d.on_phone_hours[0] == pytest.approx(agents * 10 * 21)
    assert d.fte[0] == pytest.approx(agents * 10 * 21 / (44 * 52 / 12 * (1 - s.total[0])))
    assert np.all(d.fte > 0)
