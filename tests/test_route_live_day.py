"""Issue 20's check on a live router (tests/live_day.py): a short day driven through `casashore route serve` on a
fast site clock over its HTTP API — a roster from `casashore schedule --roster`, calls per the forecast's profile
with Poisson noise and a level shift, breaks taken 10 minutes late, one agent absent — then (a) the router's
adherence equals the independent recount of its event log for every agent and the team, (b) the reforecast
made mid-window moves towards the actual rest of the day, and (p) the re-plan at that time finds the absent
agent (and any late break) in the router's statuses, as a recount of its event log does. The waits are on the
router's state (its clock, its calls), so a slow machine makes steps late in site time, which both sides of (a)
and (p) see alike."""

from __future__ import annotations

import pytest

from live_day import DaySpec, live_day

SHORT = DaySpec(open_site=(9, 12), window=("09:00", "12:00"), as_of="10:30", shift_from="09:30", shift_factor=1.4,
                shift_length="2h", shift_breaks="15m@45m-1h15m", base_calls=20.0, history_days=21, speed=360.0,
                replan=False, presence="records")
"""(p) reads the router's records (`intraday replan --statuses`, under a second here) rather than asking the
running router, whose first intraday answer imports the forecasting libraries (~15 s): the live router's own
answer is checked in tests/test_route_intraday.py."""


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    return live_day(tmp_path_factory.mktemp("live_day"), SHORT)


def test_the_routers_adherence_equals_a_recount_of_its_event_log(day):
    adherence = day["adherence"]
    assert adherence["mismatches"] == []
    report, counted = adherence["report"], adherence["counted"]
    assert report["roster"] and len(report["agents"]) == day["facts"]["agents_rostered"] >= 4
    assert {t["team"] for t in report["teams"]} == {"fr"}
    rows = {r["agent"]: r for r in report["agents"]}
    absent = rows[day["absent"]]
    assert absent["adherence"] == 0 and absent["conformance"] == 0 and absent["worked_min"] == 0
    # every other agent took her break 10 minutes late (and as long): at least 10 minutes out of adherence each
    late = [r for name, r in rows.items() if name != day["absent"]]
    assert all(r["activities"]["break"]["out_of_adherence_min"] >= 10 - 1e-9 for r in late)
    assert all(0 < r["adherence"] < 1 for r in late)
    assert counted["fr"]["scheduled"] / 60 == pytest.approx(report["teams"][0]["scheduled_min"], abs=0.002)


def test_the_reforecast_mid_window_moves_towards_the_actual_rest(day):
    refit = day["reforecast"]
    assert refit["actual"] > refit["day_ahead"]                # the level shift: busier than forecast
    # (at 900x a machine shared with another test worker posted the morning's calls up to site minutes late, past
    # the as-of time, and the reforecast rightly saw a quiet morning: 360x keeps a slow loop's lag to ~3 minutes)
    late = day["facts"]["step_late_site_s_p95"]
    assert refit["day_ahead"] < refit["reforecast"], (refit, late)  # the update moved up ...
    assert refit["wape_reforecast"] < refit["wape_day_ahead"]  # ... and closer to what came


def test_the_replan_finds_the_absent_agent_and_the_late_breaks_in_the_routers_records(day):
    """The re-plan at the as-of time with who is at work from the router's statuses: who it sees absent or away
    equals the recount of the router's event log, and the agent who never logged in is absent — nobody told it."""
    presence = day["presence"]
    assert presence["seen"] == presence["recounted"]
    assert presence["seen"][day["absent"]] == ("absent", None)
    # (another agent whose login the loaded driver posted past the grace would be absent too, in both)
    assert presence["absent"] == sorted(a for a, (kind, _) in presence["recounted"].items() if kind == "absent")
    assert presence["why"][day["absent"]].startswith("not logged in since her shift began at ")
    assert presence["presence_from"].startswith("the router's statuses recorded in ")
    assert presence["presence_from"].endswith(" at 2026-03-02T10:30:00+00:00 (grace 300 s)")
