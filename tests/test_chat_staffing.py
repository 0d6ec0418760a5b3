"""Chat staffing (queueing/chat.py) against its definition in high precision, against Erlang where it must reduce
to it, and against the chat simulator (simulate/chat_engine.py), which is the reference it approximates."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casashore.errors import UserError
from casashore.queueing.chat import chat_measures, chat_required_agents
from casashore.queueing.staffing import queue_measures
from casashore.simulate.channels import simulate_chat
from casashore.simulate.chat_engine import MOST_HELD, SESSION_S, STAFFED_S, ChatCentre, chat_centre
from casashore.simulate.distributions import EXPONENTIAL, NEVER
from casashore.simulate.replications import run
from reference import chat_chain


@pytest.mark.parametrize("agents, per_hour, k, c, patience_s", [
    (5, 40, 3, 0.3, None), (12, 150, 2, 0.5, None), (8, 120, 4, 0.1, None), (3, 50, 3, 1.0, None),
    (10, 200, 3, 0.3, 90.0), (6, 160, 2, 0.2, 30.0), (20, 300, 5, 0.25, None),
])
def test_the_chain_matches_its_high_precision_solution(agents, per_hour, k, c, patience_s):
    """Every measure to 1e-9 relative of the chain solved term by term in 40 digits (tests/reference.py); without
    patience the closed-form tail and the exponential service level against the explicit gamma sum."""
    m = chat_measures(agents, per_hour / 3600, 180.0, k, c, 30.0, math.inf if patience_s is None else patience_s)
    ref = chat_chain(agents, per_hour / 3600, 180.0, k, c, 30.0, patience_s)
    ours = (m.p_wait, m.service_level, m.mean_wait_s, m.p_abandon, m.occupancy, m.sessions_per_agent)
    for name, value, exact in zip(("p_wait", "service_level", "mean_wait_s", "p_abandon", "occupancy",
                                   "sessions_per_agent"), ours, ref, strict=True):
        if exact is None:
            continue
        assert value == pytest.approx(float(exact), rel=1e-9, abs=1e-13), name


def test_one_session_per_agent_is_erlang_c_and_a():
    for patience in (math.inf, 120.0):
        m = chat_measures(14, 100 / 1800, 180.0, 1, 0.7, 20.0, patience)  # c plays no part with one session
        e = queue_measures([14], [10.0], [180.0], [20.0], [patience])
        assert m.p_wait == pytest.approx(e["p_wait"][0], rel=1e-12)
        assert m.service_level == pytest.approx(e["service_level"][0], rel=1e-12)
        assert m.mean_wait_s == pytest.approx(e["asa_all_s"][0], rel=1e-12)
        assert m.p_abandon == pytest.approx(e["p_abandon"][0], rel=1e-12, abs=1e-15)


def test_sessions_that_do_not_slow_each_other_are_erlang_c_with_n_times_k_servers():
    """c = 0: every session is served at 1 / aht whatever the load, so N agents of k slots are N k servers."""
    m = chat_measures(10, 24 / 180, 180.0, 3, 0.0, 20.0)
    e = queue_measures([30], [24.0], [180.0], [20.0])
    assert (m.p_wait, m.service_level) == pytest.approx((e["p_wait"][0], e["service_level"][0]), rel=1e-12)
    assert m.sessions_per_agent == pytest.approx(2.4, rel=1e-12)


def test_no_agents_and_no_sessions():
    assert chat_measures(0, 0.1, 180, 3, 0.3, 20).p_wait == 1.0
    assert chat_measures(0, 0.1, 180, 3, 0.3, 20, 60).p_abandon == 1.0
    quiet = chat_measures(4, 0.0, 180, 3, 0.3, 20)
    assert (quiet.service_level, quiet.occupancy) == (1.0, 0.0)
    assert list(chat_required_agents([0.0, 0.0], 900, 180, 3, 0.3).agents) == [0, 0]


def test_bad_inputs_name_the_field():
    with pytest.raises(UserError, match="max_sessions"):
        chat_measures(3, 0.1, 180, 11, 0.3, 20)
    with pytest.raises(UserError, match="concurrency"):
        chat_measures(3, 0.1, 180, 3, 1.5, 20)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.floats(1.0, 600.0), st.floats(30.0, 900.0), st.integers(1, 10), st.floats(0.0, 1.0),
       st.floats(0.0, 120.0), st.one_of(st.just(math.inf), st.floats(10.0, 600.0)))
def test_more_agents_never_serve_worse(agents, per_hour, aht_s, k, c, target_s, patience_s):
    """mu(s) rises with N at every s (g concave, g(0) = 0), so service level, wait and abandonment improve."""
    fewer = chat_measures(agents, per_hour / 3600, aht_s, k, c, target_s, patience_s)
    more = chat_measures(agents + 1, per_hour / 3600, aht_s, k, c, target_s, patience_s)
    assert more.service_level >= fewer.service_level - 1e-12
    assert more.mean_wait_s <= fewer.mean_wait_s * (1 + 1e-12) or math.isinf(fewer.mean_wait_s)
    assert more.p_abandon <= fewer.p_abandon + 1e-12
    assert 0.0 <= more.sessions_per_agent <= k + 1e-12


def test_the_requirement_is_the_fewest_agents_meeting_the_goal():
    need = chat_required_agents([120, 400, 900], 900, 300, 3, 0.3, target_s=60, service_level=0.8)
    for n, calls in zip(need.agents, (120, 400, 900), strict=True):
        assert chat_measures(int(n), calls / 900, 300, 3, 0.3, 60).service_level >= 0.8
        assert chat_measures(int(n) - 1, calls / 900, 300, 3, 0.3, 60).service_level < 0.8


GRID = [  # sessions per hour, aht_s, max sessions, concurrency, patience: a few agents to sixty
    (60, 300, 2, 0.2, math.inf), (200, 300, 3, 0.3, math.inf), (400, 240, 3, 0.6, math.inf),
    (900, 300, 4, 0.25, math.inf), (1500, 180, 2, 0.5, math.inf), (600, 300, 3, 0.0, math.inf),
    (300, 300, 3, 0.3, 120.0), (1200, 240, 2, 0.4, 60.0), (100, 300, 4, 0.2, 300.0),
]


@pytest.mark.parametrize("per_hour, aht_s, k, c, patience_s", GRID)
def test_the_requirement_is_within_one_agent_of_the_simulator(per_hour, aht_s, k, c, patience_s):
    """The simulator's requirement (the fewest agents whose simulated service level meets 80 % in 60 s) lies
    within one agent of the chain's: it meets the goal with one agent more than the chain asks for and misses it
    with two fewer (service level rises with agents, so its requirement is in [N - 1, N + 1])."""
    n = int(chat_required_agents([per_hour], 3600, aht_s, k, c, target_s=60, service_level=0.8,
                                 patience_s=patience_s).agents[0])

    def simulated(agents: int) -> float:
        centre = chat_centre(per_hour, 3600, aht_s, agents, k, c, target_s=60, patience_s=patience_s, intervals=3)
        return simulate_chat(centre, 40, seed=7, workers=1)[1].measures.service_level

    assert simulated(n + 1) >= 0.8
    assert n <= 2 or simulated(n - 2) < 0.8


def test_simulated_measures_sit_within_their_intervals_of_the_chain_when_exact():
    """k = 3, c = 0 is exactly M/M/30 in the chain; the simulator's interval must hold it (99 %: 2.6/1.96 the 95 %
    half-width)."""
    run_ = simulate_chat(chat_centre(500, 3600, 180, 10, 3, 0.0, intervals=4), 200, seed=3, workers=1)[1]
    assert run_.formula.asa is not None and "asa_all" not in run_.formula.to_json()  # staff's keys (trial 21 M5)
    for name in ("p_wait", "service_level", "asa"):
        exact = getattr(run_.formula, name)
        assert abs(getattr(run_.measures, name) - exact) <= getattr(run_.measures, f"{name}_ci95") * 2.6 / 1.96
    assert run_.sessions_per_agent == pytest.approx(2.5, abs=run_.sessions_per_agent_ci95 * 2.6 / 1.96)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=1, max_size=5), st.integers(1, 5), st.floats(0.0, 1.0),
       st.floats(10.0, 400.0), st.one_of(st.none(), st.floats(5.0, 300.0)), st.integers(0, 2**32))
def test_no_agent_ever_holds_more_than_max_sessions(agents, k, c, per_hour, patience_s, seed):
    """With staffing that rises and falls: no agent above k sessions at any start, session time never above k
    times the logged-in time, and every counted session answered or gone when agents stay to the end."""
    intervals = len(agents)
    centre = ChatCentre(interval_s=600.0, warmup_s=0.0, rate_per_s=np.full(intervals, per_hour / 3600.0),
                        agents=np.array(agents, np.int64), max_sessions=k, concurrency=c, target_s=20.0,
                        handle_kind=EXPONENTIAL, handle_mean_s=240.0, handle_cv=1.0,
                        patience_kind=NEVER if patience_s is None else EXPONENTIAL,
                        patience_mean_s=0.0 if patience_s is None else patience_s, patience_cv=1.0,
                        observed_s=np.zeros(1))
    batch = run(centre, 2, seed, workers=1)
    held = batch.agent_time[:, 0]
    assert (held[..., MOST_HELD] <= k).all()
    assert (held[..., SESSION_S] <= k * held[..., STAFFED_S] * (1 + 1e-9) + 1e-6).all()
    counts = batch.calls.sum(axis=(0, 1, 2))
    if agents[-1] > 0:
        assert counts[1] + counts[2] == counts[0]  # answered + abandoned = offered


def test_staff_channel_chat_on_the_command_line():
    """`casashore staff --channel chat` translates its options into the chain's requirement; voice is unchanged
    and the chat options are refused on it, email named as spanning intervals."""
    import json

    from typer.testing import CliRunner

    from casashore.interfaces.cli.app import app

    runner = CliRunner()
    chat = runner.invoke(app, ["staff", "--calls", "400", "--interval", "15m", "--aht", "5m", "--target", "60",
                               "--service-level", "0.8", "--channel", "chat", "--max-sessions", "3",
                               "--concurrency", "0.3", "--json"])
    assert chat.exit_code == 0, chat.stderr
    row = json.loads(chat.stdout)
    expected = chat_required_agents([400], 900, 300, 3, 0.3, target_s=60, service_level=0.8)
    assert row["agents"] == int(expected.agents[0]) and row["model"] == "chat"
    assert row["sessions_per_agent"] == pytest.approx(expected.measures[0].sessions_per_agent)
    # Slot use: the share of the chat slots in use, beside the occupancy (agents holding any chat), below it.
    assert row["slot_use"] == pytest.approx(row["sessions_per_agent"] / 3) and row["slot_use"] < row["occupancy"]
    table = runner.invoke(app, ["staff", "--calls", "400", "--interval", "15m", "--aht", "5m", "--target", "60",
                                "--service-level", "0.8", "--channel", "chat", "--max-sessions", "3",
                                "--concurrency", "0.3"]).output
    assert "agents holding a chat" in table and "slot use" in table
    voice = runner.invoke(app, ["staff", "--calls", "100", "--interval", "30m", "--aht", "180", "--json"
                                , "--service-level", "0.8"])
    assert json.loads(voice.stdout)["agents"] == 14 and "sessions_per_agent" not in json.loads(voice.stdout)
    for extra, words in ((["--max-sessions", "3"], "no --max-sessions on voice"),
                         (["--channel", "email"], "deadline: missing"),  # email staffs with a deadline
                         (["--channel", "fax"], "voice, chat or email"),
                         (["--channel", "chat", "--max-sessions", "3"], "concurrency: missing")):
        bad = runner.invoke(app, ["staff", "--calls", "100", "--aht", "180", "--service-level", "0.8", *extra])
        assert bad.exit_code == 2 and words in bad.stderr


def test_chat_replications_are_the_same_wherever_they_run():
    """The seed alone decides: in this process or on two local processes, the same counts bit for bit."""
    centre = chat_centre(320, 3600, 180, 10, 3, 0.3, patience_s=120.0, intervals=2)
    here = run(centre, 8, 11, workers=1)
    there = run(centre, 8, 11, workers=2)
    assert np.array_equal(here.calls, there.calls) and np.array_equal(here.agent_time, there.agent_time)


@pytest.mark.parametrize("k, c, patience_s", [(1, 0.0, 60.0), (3, 0.3, 120.0), (5, 1.0, 20.0), (10, 0.1, 600.0)])
def test_abandonment_falls_as_agents_are_added_and_the_cap_staffs_the_fewest_meeting_it(k, c, patience_s):
    """The abandonment cap's search needs P(abandon) monotone in N: checked over every N up to well past the load;
    then the staffing meets the cap and one agent fewer does not."""
    rate = 400 / 900
    p = [chat_measures(n, rate, 300.0, k, c, 60.0, patience_s).p_abandon for n in range(0, 160)]
    assert all(b <= a * (1 + 1e-9) for a, b in zip(p, p[1:], strict=False)), p
    need = chat_required_agents([400], 900, 300, k, c, target_s=60, service_level=None, patience_s=patience_s,
                                max_abandon=0.05)
    n = int(need.agents[0])
    assert need.measures[0].p_abandon <= 0.05 < chat_measures(n - 1, rate, 300.0, k, c, 60.0, patience_s).p_abandon


def test_every_chat_target_given_is_met_together():
    both = chat_required_agents([400], 900, 300, 3, 0.3, target_s=60, service_level=0.8, patience_s=120,
                                max_abandon=0.05)
    alone = [chat_required_agents([400], 900, 300, 3, 0.3, target_s=60, service_level=sl, patience_s=120,
                                  max_abandon=cap).agents[0] for sl, cap in ((0.8, None), (None, 0.05))]
    assert both.agents[0] == max(alone) and alone[1] > alone[0]  # the cap is the binding target here


def test_an_abandonment_cap_without_patience_is_refused():
    with pytest.raises(UserError, match="finite patience"):
        chat_required_agents([400], 900, 300, 3, 0.3, service_level=None, max_abandon=0.05)
