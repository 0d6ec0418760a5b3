"""Seats from the busiest week's schedule (growth/week.py): hand-worked schedules of one queue, the busiest hour's
seats a lower bound of the schedule's (property), the scenario's shift templates checked and an hour no shift
covers refused."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casashore.domain.loading import parse_toml, validated
from casashore.errors import UserError
from casashore.growth.run import run_growth
from casashore.growth.scenario import WEEKDAYS, GrowthScenario, WeekShift
from casashore.growth.space import building_months
from casashore.growth.week import PoolSchedules, week_of_day, week_seats
from growth_scenarios import SMALL_PARK

EIGHT_HOURS = [WeekShift(name=f"s{h:02d}", start=f"{h:02d}:00", length="8h", cost=8.0) for h in range(24)]
ALL_WEEK = list(WEEKDAYS)


def day(base: float, peak: float = 0.0) -> np.ndarray:
    """``base`` agents 08:00-24:00 (16 hours), ``peak`` more at 12:00-14:00."""
    agents = np.zeros(24)
    agents[8:] = base
    agents[12:14] += peak
    return agents


def peak_of(agents_day: np.ndarray, shifts=EIGHT_HOURS, days=ALL_WEEK) -> float:
    seats = week_seats([[(agents_day[None, :], days)]], 1, PoolSchedules(shifts))
    return float(seats.on_shift_peak[0])


def test_a_constant_sixteen_hours_is_two_shifts_of_ten():
    # 08-16 and 16-24, ten agents each: never more than ten at once
    assert peak_of(day(10)) == 10


def test_a_two_hour_peak_is_held_by_overlapping_shifts():
    # four more agents at 12-14 must work 8 hours around it: fourteen at once at the peak, no more
    assert peak_of(day(10, 4)) == 14


def test_staffed_agents_are_whole_agents_per_queue():
    # 9.2 agents on the phones are 10 at work; two queues of one pool are rounded up each, then added
    assert peak_of(day(9.2)) == 10
    seats = week_seats([[(day(4.5)[None, :], ALL_WEEK), (day(4.5)[None, :], ALL_WEEK)]], 1, PoolSchedules(EIGHT_HOURS))
    assert seats.on_shift_peak[0] == 10


def test_pools_are_scheduled_apart_and_their_shifts_added():
    # fr needs 10 over 08-16 only, en 10 over 16-24 only: 10 at once, never 20 (their shifts do not overlap)
    fr, en = np.zeros(24), np.zeros(24)
    fr[8:16], en[16:24] = 10, 10
    seats = week_seats([[(fr[None, :], ALL_WEEK)], [(en[None, :], ALL_WEEK)]], 1, PoolSchedules(EIGHT_HOURS))
    assert seats.on_shift_peak[0] == 10
    # a shift must last 8 hours: a 4-hour need of one pool takes a whole shift, which overlaps the other pool's
    fr[:] = 0
    fr[14:18] = 3
    seats = week_seats([[(fr[None, :], ALL_WEEK)], [(en[None, :], ALL_WEEK)]], 1, PoolSchedules(EIGHT_HOURS))
    assert seats.on_shift_peak[0] == 13


def test_only_open_days_are_worked_and_a_week_wraps():
    # a queue open at 20:00-04:00 on the client's clock is one night shift a day; over the weekend none
    night = np.zeros(24)
    night[20:], night[:4] = 6, 6
    assert week_of_day(night, ["mon"])[24:].sum() == 0
    assert peak_of(night, days=["mon", "tue", "wed", "thu", "fri"]) == 6


def test_the_cache_solves_a_requirement_once():
    schedules = PoolSchedules(EIGHT_HOURS)
    agents = np.stack([day(10), day(10), day(10, 4), day(10)])
    seats = week_seats([[(agents, ALL_WEEK)]], 4, schedules)
    assert list(seats.on_shift_peak) == [10, 10, 14, 10]
    assert seats.schedules == 2 and seats.stopped_by == ["optimal"]


def test_part_time_shifts_fill_a_peak_without_full_days():
    # with 4-hour shifts too (dearer an hour), four part-timers cover the 2-hour peak: still 14 at once
    shifts = EIGHT_HOURS + [WeekShift(name=f"p{h:02d}", start=f"{h:02d}:00", length="4h", cost=4.4)
                            for h in range(24)]
    assert peak_of(day(10, 4), shifts) == 14


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.floats(0, 30), min_size=24, max_size=24), min_size=1, max_size=3),
       st.lists(st.sets(st.sampled_from(WEEKDAYS)), min_size=3, max_size=3),
       st.floats(0.5, 1.0), st.floats(0, 20))
def test_the_busiest_hour_bounds_the_schedule_from_below(days, open_days, seat_use, trainees):
    """The old figure (the busiest hour's agents on the phones) never exceeds the schedule's when the queues share
    an open day (Monday here): every agent on the phones is on shift, and a shift holds its agents through the
    hours it is not needed."""
    queues = [(np.array(d)[None, :], sorted(open_days[i] | {"mon"})) for i, d in enumerate(days)]
    week = week_seats([queues[:2], queues[2:]], 1, PoolSchedules(None))
    # the building's agents on the phones hour by hour, as run.py adds them (every open day alike)
    agents = sum(q[0] for q in queues)
    scenario = validated(GrowthScenario, parse_toml(SMALL_PARK, "scenario"))
    building = scenario.buildings[0].model_copy(update={"seat_use": seat_use})
    months = building_months(building, "2027-01", ["2027-01"], agents, np.array([trainees]), week)
    assert months.seats_busiest_hour[0] <= months.seats_needed[0]
    assert np.ceil(np.round(agents.max(), 9)) <= week.on_shift_peak[0]


def test_queues_never_open_the_same_day_are_not_added():
    # the busiest hour adds every queue's typical day; the week knows one works Mondays and the other Tuesdays
    queues = [(day(10)[None, :], ["mon"]), (day(10)[None, :], ["tue"])]
    week = week_seats([queues], 1, PoolSchedules(EIGHT_HOURS))
    assert week.on_shift_peak[0] == 10
    assert sum(q[0] for q in queues).max() == 20


def test_the_park_reports_both_figures_and_the_schedule():
    scenario = validated(GrowthScenario, parse_toml(SMALL_PARK, "scenario"))
    doc = run_growth(scenario, "small").to_json()
    tower = doc["buildings"][0]
    assert tower["schedule_stopped_by"] == ["optimal"]
    for row in tower["months"]:
        assert row["seats_busiest_hour"] <= row["seats_needed"]
        assert row["on_shift_peak"] >= row["peak_on_phones"]
    assert [r["seats_needed"] for r in doc["summary"]] == [r["seats_needed"] for r in tower["months"]]


def scenario_with(shifts: str) -> GrowthScenario:
    return validated(GrowthScenario, parse_toml(SMALL_PARK + shifts, "scenario"))


@pytest.mark.parametrize(("shifts", "field"), [
    ('[[shifts]]\nname = "a"\nstart = "08:30"\nlength = "8h"\ncost = 8\n', "shifts[0].start"),
    ('[[shifts]]\nname = "a"\nstart = "08:00"\nlength = "7h30m"\ncost = 8\n', "shifts[0].length"),
    ('[[shifts]]\nname = "a"\nstart = "08:00"\nlength = "8h"\ncost = 0\n', "shifts[0].cost"),
    ('[[shifts]]\nname = "a"\nstart = "08:00"\nlength = "8h"\ncost = 8\nbreaks = "1h@7h-8h"\n', "shifts[0].breaks"),
    ('[[shifts]]\nname = "a"\nstart = "08:00"\nlength = "8h"\ncost = 8\n'
     '[[shifts]]\nname = "a"\nstart = "16:00"\nlength = "8h"\ncost = 8\n', "shifts[1].name"),
])
def test_a_wrong_shift_is_named(shifts, field):
    with pytest.raises(UserError) as caught:
        scenario_with(shifts)
    assert caught.value.field == field


def test_an_hour_no_shift_covers_is_refused():
    # only a day shift at 09:00-17:00: the queues open at 08:00 on the site's clock cannot be staffed
    scenario = scenario_with('[[shifts]]\nname = "day"\nstart = "09:00"\nlength = "8h"\ncost = 8\n')
    with pytest.raises(UserError) as caught:
        run_growth(scenario, "small")
    assert caught.value.field == "shifts" and "none covers" in caught.value.expected


def test_a_scenarios_shifts_with_a_break_hold_more_seats():
    # a lunch hour in each 8-hour shift: someone covers the phones for each agent at lunch, who keeps a seat
    plain = PoolSchedules([WeekShift(name=f"s{h:02d}", start=f"{h:02d}:00", length="8h", cost=8.0)
                           for h in range(24)])
    lunch = PoolSchedules([WeekShift(name=f"s{h:02d}", start=f"{h:02d}:00", length="8h", cost=8.0,
                                     breaks="1h@3h-4h") for h in range(24)])
    need = week_of_day(day(10), ALL_WEEK)
    assert plain.on_shift(need)[0].max() == 10
    assert lunch.on_shift(need)[0].max() > 10
