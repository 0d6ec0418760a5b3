"""Email staffing (queueing/email_backlog.py): the fluid backlog against hand calculations, its staffing search,
and the email simulator (simulate/email_engine.py) against the fluid at volumes where randomness averages out."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casashore.errors import UserError
from casashore.queueing.email_backlog import email_backlog, email_required_agents
from casashore.simulate.channels import simulate_email
from casashore.simulate.email_engine import email_centre

HOUR = 3600.0


def test_a_backlog_that_grows_by_hand():
    """60 items an hour, one agent taking 30 (AHT 120 s), 10 hours, a 2-hour deadline. The backlog grows 30 an
    hour; the item arrived at t hours is the 60 t-th, taken up when 30 s = 60 t, at s = 2t: it waits t hours.
    Met: t <= 2 (120 items). Missed: 2 < t <= 8, their deadline t + 2 within the 10 hours (360). Open: t > 8,
    not taken by 10 h (only the first 300 are) and deadline beyond it (120)."""
    b = email_backlog([60.0] * 10, 1, HOUR, 120.0, 2 * HOUR)
    assert (b.met.sum(), b.missed.sum(), b.open.sum()) == pytest.approx((120, 360, 120), abs=1e-6)
    assert b.backlog == pytest.approx(30.0 * np.arange(11))
    assert b.met[:2] == pytest.approx([60, 60]) and b.met[2:].sum() == pytest.approx(0, abs=1e-6)
    assert b.share_within_deadline == pytest.approx(0.25, abs=1e-9)


def test_a_day_shift_working_off_the_night_by_hand():
    """10 items an hour all day and night; one agent (30 an hour) from 08:00 to 16:00 on two days; 8-hour deadline.
    Day 1: the 80 night items wait at most 8 h (at 08:00 the item of t h is 10 t-th, taken at 8 + t/3: waits
    8 - 2t/3), the backlog is gone at 12:00 (80 + 10u = 30u). From 16:00, 160 items wait for day 2's 08:00: the
    item of 16 + v is taken at 32 + v/3, waiting 16 - 2v/3 h, on time only for v >= 12 (40 items; 120 missed).
    Day 2's 08:00-16:00 arrivals wait at most 16/3 h (all 80 met); the last 8 hours' 80 are open at 48 h.
    Met 80 + 80 + 40 + 80 = 280 of 400 judged: 0.7."""
    agents = ([0] * 8 + [1] * 8 + [0] * 8) * 2
    b = email_backlog([10.0] * 48, agents, HOUR, 120.0, 8 * HOUR)
    assert (b.met.sum(), b.missed.sum(), b.open.sum()) == pytest.approx((280, 120, 80), abs=1e-6)
    assert b.share_within_deadline == pytest.approx(0.7, abs=1e-9)
    assert b.backlog[[8, 12, 16, 24, 32, 40, 48]] == pytest.approx([80, 0, 0, 80, 160, 0, 80], abs=1e-9)
    assert b.missed[16:28] == pytest.approx([10] * 12) and b.met[28:32] == pytest.approx([10] * 4)


def test_capacity_above_arrivals_keeps_no_backlog():
    b = email_backlog([20.0] * 24, 2, HOUR, 120.0, 600.0)
    assert b.backlog == pytest.approx(np.zeros(25), abs=1e-12)
    assert b.share_within_deadline == 1.0 and b.open.sum() == 0.0


def test_staffing_a_day_shift_for_a_24_hour_deadline():
    """9,600 items a day (100 per quarter-hour), AHT 300 s, agents on 08:00-18:00 only, 95 % within 24 h, the week
    repeating: every item is reached within a day once the shift keeps up, so the answer is the workload,
    9,600 x 300 s / 10 h = 80 agents; 79 would let the backlog grow from week to week."""
    open_hours = np.tile(np.r_[np.zeros(32), np.ones(40), np.zeros(24)].astype(bool), 7)
    need = email_required_agents([100.0] * 672, 900.0, 300.0, 86_400.0, 0.95, open_intervals=open_hours, days=7)
    assert set(need.agents[open_hours]) == {80} and set(need.agents[~open_hours]) == {0}
    assert need.backlog.share_within_deadline >= 0.95


def test_a_tight_deadline_needs_more_than_the_workload_and_is_minimal():
    """A 2-hour deadline on round-the-clock arrivals staffed round the clock: a constant level, the least meeting
    90 % (one agent fewer misses)."""
    items = 40.0 + 30.0 * np.sin(np.linspace(0, 2 * np.pi, 96, endpoint=False))  # a daily wave, per quarter-hour
    need = email_required_agents(items, 900.0, 300.0, 7_200.0, 0.9)
    level = int(need.agents[0])
    assert set(need.agents) == {level} and level > items.sum() * 300 / 86_400
    tiled = np.tile(items, 3)  # the repeating day, judged on its middle copy as the search does
    judged = email_backlog(tiled, level - 1, 900.0, 300.0, 7_200.0)
    met, missed = judged.met[96:192].sum(), judged.missed[96:192].sum()
    assert met / (met + missed) < 0.9


def test_a_share_the_open_hours_cannot_give_is_refused():
    open_hours = np.r_[np.zeros(32), np.ones(40), np.zeros(24)].astype(bool)
    with pytest.raises(UserError, match="deadline_share.*at most 0.5833"):
        email_required_agents([100.0] * 96, 900.0, 300.0, 4 * HOUR, 0.9, open_intervals=open_hours)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 200.0), min_size=1, max_size=30), st.lists(st.integers(0, 20), min_size=1,
       max_size=30), st.floats(60.0, 1200.0), st.floats(600.0, 30 * HOUR))
def test_more_agents_never_leave_more_items_late(items, agents, aht_s, deadline_s):
    n = min(len(items), len(agents))
    items, agents = np.array(items[:n]), np.array(agents[:n])
    fewer = email_backlog(items, agents, 900.0, aht_s, deadline_s)
    more = email_backlog(items, agents + 1, 900.0, aht_s, deadline_s)
    assert more.met.sum() >= fewer.met.sum() - 1e-6 * max(items.sum(), 1)
    assert (more.backlog <= fewer.backlog + 1e-9).all()
    total = fewer.met + fewer.missed + fewer.open
    assert total == pytest.approx(items, abs=1e-6 * max(items.max(), 1))  # every item judged once


def test_the_simulator_follows_the_fluid_at_volume():
    """The day-shift case at a hundred times the volume (1,000 items an hour, 100 agents): Poisson arrivals and
    exponential handle times leave the shares within a point of the fluid's."""
    agents = ([0] * 8 + [100] * 8 + [0] * 8) * 2
    run = simulate_email(email_centre([1000.0] * 48, HOUR, 120.0, agents, 8 * HOUR), 6, seed=2, workers=1)[1]
    assert run.fluid.share_within_deadline == pytest.approx(0.7, abs=1e-9)
    assert run.share_within_deadline == pytest.approx(0.7, abs=0.01)
    assert run.open_at_end == pytest.approx(8000, rel=0.03)
    assert run.share_within_deadline_ci95 < 0.01


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=6), st.floats(0.0, 120.0), st.floats(60.0, 4 * HOUR),
       st.integers(0, 2**32))
def test_the_email_simulator_judges_every_item_once(agents, per_hour, deadline_s, seed):
    """Staffing rising and falling: every item counted met, missed or open once; taken = met + missed taken late;
    no item open unless its deadline lies beyond the end; busy time within logged-in time."""
    from casashore.simulate import email_engine
    from casashore.simulate.replications import run

    centre = email_centre([per_hour / 6] * len(agents), 600.0, 240.0, agents, deadline_s)
    batch = run(centre, 2, seed, workers=1)
    counts = batch.calls[:, 0]
    offered, taken = counts[..., email_engine.OFFERED], counts[..., email_engine.TAKEN]
    met, missed, still = (counts[..., i] for i in (email_engine.MET, email_engine.MISSED, email_engine.OPEN))
    assert (met + missed + still == offered).all()
    assert (met <= taken).all() and (taken <= met + missed).all()
    judged_by_end = np.arange(len(agents)) * 600.0 + 600.0 + deadline_s <= len(agents) * 600.0
    assert (still[:, judged_by_end] == 0).all()
    time = batch.agent_time[:, 0]
    assert (time[..., 0] <= time[..., 1] * (1 + 1e-9) + 1e-6).all()


def test_an_unreachable_deadline_share_names_the_day_by_its_date():
    """Issue 21's trial: "on day 1" told a planner nothing; the plan passes its first site day, the error its date."""
    from datetime import date

    items = np.full(96, 10.0)  # two days of half-hours, items day and night
    is_open = np.tile(np.arange(48) < 2, 2)  # open one hour a day: a 30-minute deadline cannot be met
    for first_day, said in ((date(2026, 12, 7), "on 2026-12-07 at most"), (None, "on day 1 at most")):
        with pytest.raises(UserError) as error:
            email_required_agents(items, 1800.0, 420.0, 1800.0, 0.95, open_intervals=is_open, days=2,
                                  first_day=first_day)
        assert error.value.field == "deadline_share" and said in error.value.expected
