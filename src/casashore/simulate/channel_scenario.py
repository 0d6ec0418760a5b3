"""A simulation scenario of one chat or email queue and one agent group (`casashore simulate SCENARIO`): its fields
compiled into the chat or email engine's centre and run through simulate/channels.py, beside the chain's or the
fluid's answer for the same staffing."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from casashore.simulate.channel_results import ChatRun, EmailRun
from casashore.simulate.channels import simulate_chat, simulate_email
from casashore.simulate.chat_engine import ChatCentre
from casashore.simulate.distributions import KINDS, NEVER
from casashore.simulate.email_engine import EmailCentre
from casashore.simulate.inputs import Scenario


def is_channel_scenario(scenario: Scenario) -> bool:
    return scenario.queues[0].channel != "voice"


def channel_centre(scenario: Scenario) -> ChatCentre | EmailCentre:
    """The engine's centre of the scenario's one chat or email queue and its one group (validated by
    simulate/inputs.py: one queue, one group, laws the engines draw)."""
    queue, group = scenario.queues[0], scenario.groups[0]
    intervals = scenario.interval_count
    interval_s = scenario.interval_min * 60.0
    rate = np.broadcast_to(np.asarray(queue.calls, float), intervals) / interval_s
    agents = np.ascontiguousarray(np.broadcast_to(np.asarray(group.agents, np.int64), intervals))
    warmup_s = scenario.simulation.warmup_min * 60.0
    handle = KINDS[queue.handle.distribution], float(queue.aht_s), float(queue.handle.cv)
    if queue.channel == "email":
        return EmailCentre(interval_s=interval_s, warmup_s=warmup_s, rate_per_s=np.ascontiguousarray(rate),
                           agents=agents, deadline_s=float(queue.deadline_s), handle_kind=handle[0],
                           handle_mean_s=handle[1], handle_cv=handle[2], observed_s=np.zeros(1))
    patient = queue.patience_s is None or math.isinf(queue.patience_s)
    return ChatCentre(interval_s=interval_s, warmup_s=warmup_s, rate_per_s=np.ascontiguousarray(rate), agents=agents,
                      max_sessions=int(queue.max_sessions), concurrency=float(queue.concurrency),
                      target_s=float(queue.target_s), handle_kind=handle[0], handle_mean_s=handle[1],
                      handle_cv=handle[2], patience_kind=NEVER if patient else KINDS["exponential"],
                      patience_mean_s=0.0 if patient else float(queue.patience_s), patience_cv=1.0,
                      observed_s=np.zeros(1))


def simulate_channel_scenario(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
                              workers: int | None = None, scheduler: str | None = None,
                              progress: Callable[[int], None] | None = None) -> ChatRun | EmailRun:
    """The scenario's chat or email queue simulated (the scenario's replications and seed unless given)."""
    centre = channel_centre(scenario)
    runs = scenario.simulation.replications if replications is None else replications
    start = scenario.simulation.seed if seed is None else seed
    simulate = simulate_chat if isinstance(centre, ChatCentre) else simulate_email
    return simulate(centre, runs, start, workers=workers, scheduler=scheduler, progress=progress)[1]
