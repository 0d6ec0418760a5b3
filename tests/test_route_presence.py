"""Who is at work for the re-plan (route/presence.py, docs/intraday.md "Who is at work"): a day driven through the
router's state machine on a driven clock, a minute at a time, the adherence monitor fed by its events as in
`route serve`, and the router's view asked every minute; then what the re-plan makes of it (absent: on no queue;
away: off the phones until due back) and the question's own absent agents added to it."""

from datetime import date, datetime

import numpy as np
import pytest

from casashore.intraday.day import Grid, NotAtWork, staffed
from casashore.intraday.inputs import _shifts, not_at_work
from casashore.route.adherence_monitor import AdherenceMonitor
from casashore.route.adherence_routes import attach
from casashore.route.planned import roster_of_table
from casashore.route.presence import RouterPresence
from casashore.route.service import RouterService
from casashore.route.state.core import Router, RoutingQueue
from casashore.schedule.tables import csv_table
from test_route_adherence import ZONE, at

ROSTER = """agent,day,group,start,end,breaks
amina,2026-03-02,fr,2026-03-02T08:00,2026-03-02T16:00,break 10:00-10:15; lunch 12:00-12:30
youssef,2026-03-02,fr,2026-03-02T08:00,2026-03-02T16:00,break 10:30-10:45
salma,2026-03-02,fr,2026-03-02T09:00,2026-03-02T17:00,
omar,2026-03-02,fr,2026-03-02T09:00,2026-03-02T17:00,lunch 13:30-14:00
"""
AGENTS = ("amina", "youssef", "salma", "omar")
SCRIPT = [
    ("08:00", "amina", "available"),
    ("08:03", "youssef", "available"),      # 3 minutes late: within the grace, never absent
    ("09:00", "omar", "available"),         # salma never logs in
    ("10:10", "amina", "break"),            # her 10:00-10:15 break 10 minutes late ...
    ("10:28", "amina", "available"),        # ... and 3 minutes longer
    ("11:00", "youssef", "offline"),        # gone in the middle of his shift ...
    ("11:30", "youssef", "available"),      # ... and back
    ("12:00", "amina", "offline"),          # logs off for her planned lunch (not an absence) ...
    ("12:40", "amina", "available"),        # ... 10 minutes late back
    ("13:20", "omar", "break:lunch"),       # his 13:30-14:00 lunch 10 minutes early ...
    ("14:03", "omar", "available"),         # ... and 13 minutes long past its end
]


def drive(grace_s: float = 300.0) -> tuple[dict[str, dict[str, NotAtWork]], RouterPresence]:
    """The SCRIPT, a minute at a time from 07:30 to 17:30; the router's view at each minute (HH:MM -> agent ->
    why she is not at work)."""
    now = [at("07:30")]
    roster = roster_of_table(csv_table(ROSTER, "roster.csv"), ZONE, set(AGENTS))
    router = Router({"fr": RoutingQueue("fr", "fr")}, wrap_up_s=0)
    for agent in AGENTS:
        router.add_agent(agent, {"fr": 1}, now[0])
    service = RouterService(router, time_zone=ZONE, clock=lambda: now[0])
    monitor = AdherenceMonitor(roster, grace_s)
    attach(service, monitor)
    monitor.first_day = DAY
    presence = RouterPresence(monitor)
    seen = {}
    while now[0] <= at("17:30"):
        for _, agent, argument in [s for s in SCRIPT if at(s[0]) == now[0]]:
            status, _, reason = argument.partition(":")
            router.set_status(agent, status, now[0], reason)
        service.publish()
        service.tick()
        found, source = presence.judged(now[0], now[0])
        assert source.startswith("the router's statuses at ")
        seen[datetime.fromtimestamp(now[0], monitor.zone).strftime("%H:%M")] = {a.agent: a for a in found}
        now[0] += 60
    return seen, presence


DAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def day():
    return drive()


def spans(seen: dict, agent: str) -> list[tuple[str, str, str]]:
    """The minutes an agent was seen not at work, as (first, last, kind) runs."""
    runs: list[list[str]] = []
    for minute, found in seen.items():
        kind = found[agent].kind if agent in found else None
        if kind and runs and runs[-1][2] == kind and runs[-1][3] == "open":
            runs[-1][1] = minute
        else:
            if runs:
                runs[-1][3] = "closed"
            if kind:
                runs.append([minute, minute, kind, "open"])
    return [tuple(r[:3]) for r in runs]


def test_an_agent_who_never_logs_in_is_absent_after_the_grace_for_the_rest_of_her_shift(day):
    seen, _ = day
    assert spans(seen, "salma") == [("09:05", "16:59", "absent")]
    salma = seen["09:05"]["salma"]
    assert salma.why == "not logged in since her shift began at 09:00" and salma.until is None
    assert salma.since == at("09:00")


def test_an_agent_offline_during_planned_work_is_absent_after_the_grace_until_she_comes_back(day):
    seen, _ = day
    assert spans(seen, "youssef") == [("11:05", "11:29", "absent")]  # 08:03: late, within the grace
    assert seen["11:05"]["youssef"].why == "offline since 11:00"


def test_offline_for_a_planned_lunch_counts_only_from_its_planned_end(day):
    """Logged off at 12:00 for a lunch planned until 12:30: absent once she misses 5 minutes of planned work."""
    seen, _ = day
    assert ("12:35", "12:39", "absent") in spans(seen, "amina")
    assert seen["12:35"]["amina"].why == "offline since 12:00"


def test_a_break_beyond_the_planned_one_is_away_until_due_back_then_for_the_grace(day):
    seen, _ = day
    # 10:10-10:15 is inside her planned break (the roster's own); from 10:15 she is away until 10:10 + 15 min;
    # from 10:25 she overruns: away for the grace from each question, until she is back at 10:28
    assert spans(seen, "amina")[0] == ("10:15", "10:27", "away")
    assert seen["10:15"]["amina"].until == at("10:25")
    assert "planned 15 min" in seen["10:15"]["amina"].why
    assert seen["10:26"]["amina"].until == at("10:31")
    assert "over her planned 15 min" in seen["10:26"]["amina"].why
    assert "amina" not in seen["10:28"]


def test_a_lunch_taken_early_is_away_until_it_lasted_as_planned_not_during_the_planned_one(day):
    seen, _ = day
    assert spans(seen, "omar") == [("13:20", "13:29", "away"), ("14:00", "14:02", "away")]
    assert seen["13:20"]["omar"].until == at("13:50")          # 30 minutes from 13:20
    assert seen["14:01"]["omar"].until == at("14:06")          # overrun: the grace from the question
    assert seen["13:20"]["omar"].why.startswith("on lunch since 13:20")


def test_nobody_is_seen_away_outside_shifts_and_the_view_says_what_it_read(day):
    seen, presence = day
    assert seen["07:59"] == {} and seen["17:30"] == {}
    found, source = presence.judged(at("10:00", date(2026, 3, 1)), at("17:30"))  # before what it holds
    assert found == () and source.startswith("the roster alone")
    later, _ = presence.judged(at("18:00"), at("09:10"))  # ahead of now: judged now
    assert [a.agent for a in later] == ["salma"]


def test_the_replan_counts_absent_agents_nowhere_and_away_ones_until_due_back():
    roster = roster_of_table(csv_table(ROSTER, "roster.csv"), ZONE, set(AGENTS))
    grid = Grid(at("10:00"), 1800.0, 4)
    seen = [NotAtWork("salma", "absent", at("09:00"), None, "not logged in since her shift began at 09:00"),
            NotAtWork("amina", "away", at("10:10"), at("10:25"), "on break since 10:10")]
    away = not_at_work(seen, ["omar", "salma"])
    assert away["salma"].why.startswith("not logged in")  # the router's why kept
    assert away["omar"].kind == "absent" and away["omar"].why == "said absent"
    shifts = {s.agent: s for s in _shifts(roster.shifts, grid, at("10:20"), away)}
    assert shifts["salma"].absent and shifts["omar"].absent and not shifts["amina"].absent
    on = staffed(list(shifts.values()), grid, {"fr": 0})[0]
    # 10:00-10:30: amina's planned break to 10:15 and away to 10:25 (25 of 30 minutes off), youssef there;
    # 10:30-11:00: youssef's break 10:30-10:45
    assert on == pytest.approx(np.array([1 + 5 / 30, 1 + 15 / 30, 2, 2]))
    assert not_at_work(seen, ["amina"])["amina"].kind == "absent"  # said absent: more than away
