"""Chat in a blended pool (plan/channels.py ``pool_requirement``): the analytical requirement against the smallest
staffing the blended simulator says meets both queues' goals, on a grid of loads and concurrencies; then voice,
chat and email in one pool, chat before email."""


import numpy as np
import pytest

from casashore.domain.queue import Queue
from casashore.plan.channels import pool_requirement
from casashore.queueing.staffing import queue_measures, required_agents
from casashore.simulate import email_engine
from casashore.simulate.blend_engine import CHAT, EMAIL, VOICE, blend_centre
from casashore.simulate.engine import OFFERED, WITHIN_TARGET
from casashore.simulate.replications import run

AHT_VOICE, AHT_CHAT, AHT_EMAIL = 300.0, 600.0, 420.0
HOUR_S = 3600.0


def chat_queue(k: int, c: float) -> Queue:
    return Queue(name="chat", skill="fr", channel="chat", aht_s=AHT_CHAT, target_s=60, service_level=0.8,
                 max_sessions=k, concurrency=c, client_time_zone="Europe/Paris")


def voice_part(calls_per_hour: float, intervals: int = 1):
    erlangs = np.full(intervals, calls_per_hour * AHT_VOICE / HOUR_S)
    agents = required_agents(erlangs, np.full(intervals, AHT_VOICE), target_s=20, service_level=0.8)
    p_wait = queue_measures(agents, erlangs, AHT_VOICE, 20)["p_wait"]
    return agents.astype(float), erlangs, p_wait


def levels(agents: int, calls_per_hour: float, sessions_per_hour: float, chat: Queue) -> tuple[float, float]:
    """Voice and chat service levels simulated at a constant load: one 3-hour interval after an hour's warm-up,
    8 replications."""
    centre = blend_centre([calls_per_hour * 3], AHT_VOICE, [0.0], AHT_EMAIL, [agents], 3 * HOUR_S, 86400.0,
                          target_s=20, warmup_s=HOUR_S, sessions=[sessions_per_hour * 3], chat_aht_s=AHT_CHAT,
                          max_sessions=chat.max_sessions, concurrency=chat.concurrency, chat_target_s=60)
    batch = run(centre, 8, 3)
    voice, chat_counts = batch.calls[:, VOICE].sum(axis=(0, 1)), batch.calls[:, CHAT].sum(axis=(0, 1))
    return (voice[WITHIN_TARGET] / voice[OFFERED], chat_counts[WITHIN_TARGET] / chat_counts[OFFERED])


# calls and sessions per hour, max_sessions, concurrency; (the smallest staffing meeting both goals in simulation,
# by hand: 8 replications of 4 hours after an hour's warm-up, each staffing from separate pools' minus 2 upward)
GRID = [
    (120, 30, 3, 0.2),  # simulated: 19 agents; separate pools 14 + 4
    (120, 60, 3, 0.2),  # 22; 14 + 6
    (60, 120, 3, 0.2),  # 26; 8 + 11
    (240, 60, 3, 0.2),  # 33; 25 + 6
    (120, 60, 2, 0.5),  # 23; 14 + 9
    (120, 60, 5, 0.1),  # 22; 14 + 4
]


@pytest.mark.parametrize(("calls", "sessions", "k", "c"), GRID)
def test_the_pool_s_requirement_is_the_simulator_s_within_one_agent(calls, sessions, k, c):
    """One agent more than the approximation meets both goals in simulation, two fewer miss the voice goal: the
    smallest staffing the simulator accepts is within one agent of the approximation's."""
    chat = chat_queue(k, c)
    agents, erlangs, p_wait = voice_part(calls)
    pool = pool_requirement(agents, erlangs, p_wait, chat, np.array([float(sessions)]), AHT_CHAT, None, None, 0.0,
                            60, np.ones(1, bool), lambda q: "queues[1]")
    n = int(pool.agents[0])
    voice_level, chat_level = levels(n + 1, calls, sessions, chat)
    assert voice_level >= 0.8 and chat_level >= 0.8, (n, voice_level, chat_level)
    voice_level, chat_level = levels(n - 2, calls, sessions, chat)
    assert voice_level < 0.8, (n, voice_level, chat_level)


def test_chat_spreads_so_blending_it_with_voice_saves_nothing_here():
    """Under the router's rule a chat keeps its agent from calls and goes to an idle agent first, so a pool's
    chats hold nearly an agent each: on this grid the pool needs as many agents as the two queues apart, or more
    (docs/plan.md "Blended pools" gives the figures)."""
    for calls, sessions, k, c in GRID:
        agents, erlangs, p_wait = voice_part(calls)
        pool = pool_requirement(agents, erlangs, p_wait, chat_queue(k, c), np.array([float(sessions)]), AHT_CHAT,
                                None, None, 0.0, 60, np.ones(1, bool), lambda q: "queues[1]")
        assert pool.agents[0] == pool.voice[0] + pool.chat[0] and pool.agents[0] >= pool.apart[0] - 1


OPEN = np.zeros(48, bool)
OPEN[16:40] = True  # 08:00-20:00
EMAIL_QUEUE = Queue(name="mail", skill="fr", channel="email", aht_s=AHT_EMAIL, deadline_s=12 * 3600,
                    deadline_share=0.9, client_time_zone="Europe/Paris")


def test_chat_before_email_meets_every_goal_of_a_pool_with_calls_chats_and_emails():
    """Chat before email (docs/routing.md; simulate/blend_engine.py's dispatch): an email item goes to an agent
    only when no call or chat it may take waits, so the email backlog, hours old, no longer takes every agent
    coming free. 10 erlangs of calls and 15 chats an hour while open, 576 emails a day and night, the
    approximation's pool (agents for email added from what calls and chats leave): over three days simulated
    the middle one's three queues meet their goals (by hand, 16 replications: voice 97.6 %, chat 98.1 % in 60 s,
    email 99.95 % within 12 h; when the longest-waiting contact went first, chat fell to 62 %)."""
    calls, sessions = np.where(OPEN, 60.0, 0.0), np.where(OPEN, 15.0, 0.0)
    items = np.full(48, 12.0)
    erlangs = calls * AHT_VOICE / 1800
    agents = required_agents(erlangs, np.full(48, AHT_VOICE), target_s=20, service_level=0.8).astype(float)
    p_wait = queue_measures(agents, erlangs, AHT_VOICE, 20)["p_wait"]
    pool = pool_requirement(agents, erlangs, p_wait, chat_queue(3, 0.2), sessions, AHT_CHAT, EMAIL_QUEUE, items,
                            AHT_EMAIL, 30, OPEN, lambda q: "queues[1]")
    assert np.array_equal(pool.agents, pool.voice + pool.chat + pool.email) and pool.email.sum() > 0
    centre = blend_centre(np.tile(calls, 3), AHT_VOICE, np.tile(items, 3), AHT_EMAIL,
                          np.tile(pool.agents, 3).astype(int), 1800.0, 12 * 3600, target_s=20,
                          sessions=np.tile(sessions, 3), chat_aht_s=AHT_CHAT, max_sessions=3, concurrency=0.2,
                          chat_target_s=60)
    batch = run(centre, 16, 11)
    second = slice(48, 96)
    voice, chats = batch.calls[:, VOICE, second].sum(axis=(0, 1)), batch.calls[:, CHAT, second].sum(axis=(0, 1))
    email = batch.calls[:, EMAIL, second].sum(axis=(0, 1))
    assert voice[WITHIN_TARGET] / voice[OFFERED] >= 0.8
    assert chats[WITHIN_TARGET] / chats[OFFERED] >= 0.8
    assert email[email_engine.MET] / (email[email_engine.MET] + email[email_engine.MISSED]) >= 0.9
