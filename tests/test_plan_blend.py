"""A blended pool's requirement (plan/channels.py ``blended_requirement``): voice by Erlang, email fed by the time
calls leave, checked against the blended simulator and against the two channels staffed apart."""

import numpy as np

from casashore.domain.queue import Queue
from casashore.plan.channels import blended_requirement
from casashore.queueing.email_backlog import email_required_agents
from casashore.queueing.staffing import required_agents
from casashore.simulate import email_engine
from casashore.simulate.blend_engine import EMAIL, VOICE, blend_centre
from casashore.simulate.engine import ANSWERED, OFFERED, WITHIN_TARGET
from casashore.simulate.replications import run

STEP_MIN, AHT_VOICE, AHT_EMAIL = 30, 300.0, 420.0
OPEN = np.zeros(48, bool)
OPEN[16:40] = True  # 08:00-20:00
CALLS = np.where(OPEN, 60.0, 0.0)  # 10 erlangs while open
ITEMS = np.full(48, 12.0)  # 576 items a day, day and night: 2.8 agents' work over the open hours
EMAIL_QUEUE = Queue(name="mail", skill="fr", channel="email", aht_s=AHT_EMAIL, deadline_s=12 * 3600,
                    deadline_share=0.9, client_time_zone="Europe/Paris")


def _voice():
    agents = required_agents(CALLS * AHT_VOICE / (STEP_MIN * 60), np.full(48, AHT_VOICE), target_s=20,
                             service_level=0.8)
    return np.where(OPEN, agents, 0), CALLS * AHT_VOICE / (STEP_MIN * 60)


def test_blending_saves_agents_against_separate_pools():
    voice_agents, erlangs = _voice()
    pool = blended_requirement(voice_agents, erlangs, EMAIL_QUEUE, ITEMS, AHT_EMAIL, STEP_MIN, OPEN, "queues[1]")
    apart = email_required_agents(ITEMS, STEP_MIN * 60.0, AHT_EMAIL, 12 * 3600, 0.9, open_intervals=OPEN, days=1)
    separate = voice_agents + apart.agents
    assert np.all(pool >= voice_agents) and np.all(pool <= separate)
    assert pool.sum() < separate.sum()  # the voice pool's idle time does part of the email work


def test_the_blended_pool_meets_both_goals_in_simulation():
    """Three days simulated from an empty backlog, the middle one judged (the requirement takes the day as a
    cycle): voice at its 80 % in 20 s, email at 90 % within 12 h, each within its 95 % interval's reach. (By hand,
    40 replications, chat before email: 96.5 % and 99.3 %; one agent fewer all day gives email 86.4 % +- 4.4: the
    fluid's requirement is the simulator's within one agent.)"""
    voice_agents, erlangs = _voice()
    pool = blended_requirement(voice_agents, erlangs, EMAIL_QUEUE, ITEMS, AHT_EMAIL, STEP_MIN, OPEN, "queues[1]")
    centre = blend_centre(np.tile(CALLS, 3), AHT_VOICE, np.tile(ITEMS, 3), AHT_EMAIL, np.tile(pool, 3).astype(int),
                          STEP_MIN * 60.0, 12 * 3600)
    batch = run(centre, 20, 11)
    second = slice(48, 96)
    voice = batch.calls[:, VOICE, second].sum(axis=1)
    service_level = voice[:, WITHIN_TARGET] / voice[:, OFFERED]
    assert voice[:, ANSWERED].sum() > 0 and service_level.mean() + 2 * service_level.std() / 20 ** 0.5 >= 0.8
    email = batch.calls[:, EMAIL, second].sum(axis=1)
    share = email[:, email_engine.MET] / (email[:, email_engine.MET] + email[:, email_engine.MISSED])
    assert share.mean() + 2 * share.std() / 20 ** 0.5 >= 0.9
