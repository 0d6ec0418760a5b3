"""Live statistics: the rolling window and the day counted as docs/routing.md defines them, checked against a
recount from the calls themselves, and the day cut at local midnight in the site's time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import hypothesis.strategies as st
from hypothesis import given, settings

from casashore.route.state.core import Router, RoutingQueue
from casashore.route.stats import LiveStats

CASABLANCA = ZoneInfo("Africa/Casablanca")
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=CASABLANCA).timestamp()


def recount(calls, start: float, end: float, target_s: float) -> dict:
    """The definitions, applied to the calls' own times (not to the event stream)."""
    inside = lambda t: t is not None and start < t <= end  # noqa: E731
    answered = [c for c in calls if inside(c.answered_at)]
    abandoned = [c for c in calls if c.outcome == "abandoned" and inside(c.ended_at)]
    cleared = [c for c in calls if c.outcome == "cleared" and inside(c.ended_at)]  # by a supervisor: apart
    ended = len(answered) + len(abandoned)
    in_target = sum(c.answered_at - c.arrived_at <= target_s for c in answered)
    return {"offered": sum(inside(c.arrived_at) for c in calls),
            "rejected": sum(c.outcome == "rejected" and inside(c.arrived_at) for c in calls),
            "answered": len(answered), "abandoned": len(abandoned), "cleared": len(cleared),
            "service_level": in_target / ended if ended else None,
            "abandon_rate": len(abandoned) / ended if ended else None}


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.tuples(st.sampled_from(["call", "answer", "hangup", "clear", "time"]), st.floats(0, 400)),
                      max_size=80))
def test_rolling_window_equals_a_recount(steps):
    router = Router({"fr": RoutingQueue("fr", "fr", max_waiting=4, target_s=20.0)}, offer_timeout_s=1e9, wrap_up_s=0.0)
    for a in ("a1", "a2"):
        router.add_agent(a, {"fr": 1}, T0)
        router.set_status(a, "available", T0)
    stats = LiveStats(router, "Africa/Casablanca", window_s=900.0)
    now, n = T0, 0
    for action, value in steps:
        if action == "time":
            now += value
            router.tick(now)
        elif action == "call":
            n += 1
            router.arrive(f"c{n}", "fr", now)
        elif action == "answer":
            offered = [a for a in router.agents.values() if a.state == "offered"]
            if offered:
                router.accept(offered[0].agent_id, offered[0].call_id, now)
        else:
            live = [c for c in router.calls.values() if c.state != "ended"]
            if live:
                router.hang_up(live[int(value) % len(live)].call_id, now,
                               by="supervisor" if action == "clear" else "caller")
        stats.observe(router.take_events())
    fr = stats.snapshot(now)[0]
    calls = list(router.calls.values())
    expected = recount(calls, now - 900.0, now, 20.0)
    assert {k: fr["rolling"][k] for k in expected} == expected
    midnight = datetime.fromtimestamp(now, CASABLANCA).replace(hour=0, minute=0, second=0).timestamp()
    assert {k: fr["day"][k] for k in expected} == recount(calls, midnight - 1e-9, now, 20.0)


def test_the_day_starts_at_local_midnight():
    """Calls before midnight in Casablanca leave the day's figures at midnight, not at midnight UTC."""
    router = Router({"fr": RoutingQueue("fr", "fr")})
    stats = LiveStats(router, "Africa/Casablanca", window_s=900.0)
    late = datetime(2026, 11, 26, 23, 50, tzinfo=CASABLANCA).timestamp()
    router.arrive("c1", "fr", late)
    stats.observe(router.take_events())
    assert stats.snapshot(late + 300)[0]["day"]["offered"] == 1
    after_midnight = stats.snapshot(late + 660)[0]  # 00:01 the next day, still inside the 15 minutes
    assert after_midnight["day"]["offered"] == 0 and after_midnight["rolling"]["offered"] == 1
    assert after_midnight["day"]["service_level"] is None  # no call ended: no figure, not 0 %
    assert stats.snapshot(late + 901)[0]["rolling"]["offered"] == 0
