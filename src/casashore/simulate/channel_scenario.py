"""A simulation scenario of one chat or email queue and one agent group (`casashore simulate SCENARIO`): its fields
compiled into the chat or email engine's centre and run through simulate/channels.py, beside the chain's or the
fluid's answer for the same staffing. A blended scenario (one group, one queue per channel on one skill) is
compiled into the blended engine's centre and run by ``simulate_blend``, each channel's measures with their 95 %
intervals."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from casashore.simulate.blend_engine import BlendCentre
from casashore.simulate.channel_results import BlendRun, ChatRun, EmailRun
from casashore.simulate.channels import simulate_blend, simulate_chat, simulate_email
from casashore.simulate.chat_engine import ChatCentre
from casashore.simulate.distributions import KINDS, NEVER
from casashore.simulate.email_engine import EmailCentre
from casashore.simulate.inputs import Scenario


def is_channel_scenario(scenario: Scenario) -> bool:
    """A scenario for the chat, email or blended engine (not the voice multi-skill engine)."""
    return any(q.channel != "voice" for q in scenario.queues)


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


def blend_centre_of(scenario: Scenario) -> BlendCentre:
    """The blended engine's centre of a blended scenario (validated by simulate/inputs.py: one group, one queue per
    channel on one skill); a channel without a queue has no contacts."""
    by_channel = {q.channel: q for q in scenario.queues}
    intervals = scenario.interval_count
    interval_s = scenario.interval_min * 60.0

    def rate(channel: str) -> np.ndarray:
        calls = by_channel[channel].calls if channel in by_channel else [0.0]
        return np.ascontiguousarray(np.broadcast_to(np.asarray(calls, float), intervals) / interval_s)

    def handle(channel: str) -> tuple[int, float, float]:
        q = by_channel.get(channel)
        return (KINDS["exponential"], 1.0, 1.0) if q is None else \
            (KINDS[q.handle.distribution], float(q.aht_s), float(q.handle.cv))

    def patience(channel: str) -> tuple[int, float, float]:
        q = by_channel.get(channel)
        if q is None or q.patience_s is None or math.isinf(q.patience_s):
            return NEVER, 0.0, 1.0
        return KINDS[q.patience.distribution], float(q.patience_s), float(q.patience.cv)

    voice, chat, email = (by_channel.get(c) for c in ("voice", "chat", "email"))
    (hk, hm, hc), (pk, pm, pc) = handle("voice"), patience("voice")
    (chk, chm, chc), (cpk, cpm, cpc) = handle("chat"), patience("chat")
    ehk, ehm, ehc = handle("email")
    agents = np.ascontiguousarray(np.broadcast_to(np.asarray(scenario.groups[0].agents, np.int64), intervals))
    return BlendCentre(
        interval_s=interval_s, warmup_s=scenario.simulation.warmup_min * 60.0, rate_per_s=rate("voice"),
        chat_rate_per_s=rate("chat"), email_rate_per_s=rate("email"), agents=agents,
        target_s=float(voice.target_s) if voice else 20.0, handle_kind=hk, handle_mean_s=hm, handle_cv=hc,
        patience_kind=pk, patience_mean_s=pm, patience_cv=pc,
        max_sessions=int(chat.max_sessions) if chat else 1, concurrency=float(chat.concurrency) if chat else 0.0,
        chat_target_s=float(chat.target_s) if chat else 60.0, chat_handle_kind=chk, chat_handle_mean_s=chm,
        chat_handle_cv=chc, chat_patience_kind=cpk, chat_patience_mean_s=cpm, chat_patience_cv=cpc,
        deadline_s=float(email.deadline_s) if email else 86400.0, email_handle_kind=ehk, email_handle_mean_s=ehm,
        email_handle_cv=ehc, voice_with_chats=False, observed_s=np.zeros(1))


def simulate_channel_scenario(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
                              workers: int | None = None, scheduler: str | None = None,
                              progress: Callable[[int], None] | None = None) -> ChatRun | EmailRun | BlendRun:
    """The scenario's chat or email queue, or its blended pool, simulated (the scenario's replications and seed
    unless given)."""
    runs = scenario.simulation.replications if replications is None else replications
    start = scenario.simulation.seed if seed is None else seed
    if scenario.is_blended:
        result = simulate_blend(blend_centre_of(scenario), runs, start, workers=workers, scheduler=scheduler,
                                progress=progress)[1]
        return replace(result, queues={q.channel: q.name for q in scenario.queues})
    centre = channel_centre(scenario)
    simulate = simulate_chat if isinstance(centre, ChatCentre) else simulate_email
    return simulate(centre, runs, start, workers=workers, scheduler=scheduler, progress=progress)[1]
