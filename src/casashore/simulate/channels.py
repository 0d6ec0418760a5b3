"""Chat and email queues (and voice, chat and email sharing one pool) simulated through the same replications
(simulate/replications.py: the same seed streams, in-process, local processes or Dask) and summarised with 95 %
intervals (simulate/estimates.py's ratio estimator), each beside its formula: the chat chain of queueing/chat.py,
the email fluid of queueing/email_backlog.py; the blended pool beside nothing (no formula describes it)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from casashore.domain.units import json_number
from casashore.queueing.chat import chat_measures
from casashore.queueing.email_backlog import email_backlog
from casashore.simulate import blend_engine, chat_engine, email_engine
from casashore.simulate.blend_engine import BlendCentre
from casashore.simulate.channel_results import BlendRun, ChatFormula, ChatRun, EmailFluid, EmailInterval, EmailRun
from casashore.simulate.chat_engine import ChatCentre
from casashore.simulate.distributions import EXPONENTIAL
from casashore.simulate.email_engine import EmailCentre
from casashore.simulate.engine import OFFERED
from casashore.simulate.estimates import call_measures, ratio_estimate
from casashore.simulate.replications import Batch, run
from casashore.simulate.results import CallMeasures, calls_per_second


def simulate_chat(centre: ChatCentre, replications: int, seed: int, *, workers: int | None = None,
                  scheduler: str | None = None, progress: Callable[[int], None] | None = None
                  ) -> tuple[Batch, ChatRun]:
    """Simulate a chat queue; every counted interval pooled. The chain's measures come beside it when demand and
    agents are constant and handle times and patience exponential (the case the chain describes)."""
    batch = run(centre, replications, seed, workers=workers, scheduler=scheduler, progress=progress)
    totals = batch.calls.sum(axis=2)[:, 0]  # [R, 7]
    time = batch.agent_time.sum(axis=2)[:, 0]  # [R, 5]; only the sums of time are read
    staffed = time[:, chat_engine.STAFFED_S]
    occupancy = ratio_estimate(time[:, chat_engine.BUSY_S], staffed)
    held = ratio_estimate(time[:, chat_engine.SESSION_S], staffed)
    return batch, ChatRun(
        channel="chat", max_sessions=int(centre.max_sessions), concurrency=float(centre.concurrency),
        measures=CallMeasures.at(call_measures(totals)), occupancy=json_number(occupancy.mean),
        occupancy_ci95=json_number(occupancy.half_width), sessions_per_agent=json_number(held.mean),
        sessions_per_agent_ci95=json_number(held.half_width),
        slot_use=json_number(held.mean / centre.max_sessions),
        slot_use_ci95=json_number(held.half_width / centre.max_sessions),
        sessions_offered=int(totals[:, OFFERED].sum()),
        calls_simulated=int(batch.simulated.sum()), replications=replications,
        calls_per_second=calls_per_second(batch.simulated, batch.engine_s), formula=_chat_formula(centre))


def _chat_formula(c: ChatCentre) -> ChatFormula | None:
    constant = np.ptp(c.rate_per_s) == 0 and np.ptp(c.agents) == 0
    patience_s = math.inf if c.patience_mean_s == 0.0 else c.patience_mean_s
    if not constant or c.handle_kind != EXPONENTIAL or not (math.isinf(patience_s) or c.patience_kind == EXPONENTIAL):
        return None
    m = chat_measures(int(c.agents[0]), float(c.rate_per_s[0]), c.handle_mean_s, c.max_sessions, c.concurrency,
                      c.target_s, patience_s)
    patient = not math.isinf(patience_s)  # the chain's mean wait is of every session: the ASA without abandonment
    return ChatFormula(p_wait=json_number(m.p_wait), service_level=json_number(m.service_level),
                       asa=None if patient else json_number(m.mean_wait_s), p_abandon=json_number(m.p_abandon),
                       occupancy=json_number(m.occupancy), sessions_per_agent=json_number(m.sessions_per_agent),
                       slot_use=json_number(m.sessions_per_agent / c.max_sessions),
                       asa_all=json_number(m.mean_wait_s) if patient else None)


def simulate_email(centre: EmailCentre, replications: int, seed: int, *, workers: int | None = None,
                   scheduler: str | None = None, progress: Callable[[int], None] | None = None
                   ) -> tuple[Batch, EmailRun]:
    """Simulate an email queue over its horizon, per interval of arrival and in all, beside its fluid backlog."""
    batch = run(centre, replications, seed, workers=workers, scheduler=scheduler, progress=progress)
    counts = batch.calls[:, 0]  # [R, I, 7]
    met, missed = counts[..., email_engine.MET], counts[..., email_engine.MISSED]
    share = ratio_estimate(met.sum(axis=1), (met + missed).sum(axis=1))
    asa = ratio_estimate(counts[..., email_engine.WAIT_TAKEN_S].sum(axis=1),
                         counts[..., email_engine.TAKEN].sum(axis=1))
    time = batch.agent_time.sum(axis=2)[:, 0]
    occupancy = ratio_estimate(time[:, email_engine.BUSY_S], time[:, email_engine.STAFFED_S])
    per_interval = ratio_estimate(met, met + missed)
    offered = counts[..., email_engine.OFFERED].mean(axis=0)
    still_open = counts[..., email_engine.OPEN].mean(axis=0)
    interval_min = centre.interval_s / 60.0
    intervals = [EmailInterval(interval=i, start_min=i * interval_min, offered=float(offered[i]),
                               share_within_deadline=json_number(per_interval.mean[i]),
                               share_within_deadline_ci95=json_number(per_interval.half_width[i]),
                               open_at_end=float(still_open[i])) for i in range(offered.size)]
    return batch, EmailRun(
        channel="email", deadline_s=float(centre.deadline_s), share_within_deadline=json_number(share.mean),
        share_within_deadline_ci95=json_number(share.half_width), asa=json_number(asa.mean),
        asa_ci95=json_number(asa.half_width), occupancy=json_number(occupancy.mean),
        occupancy_ci95=json_number(occupancy.half_width), items_offered=float(offered.sum()),
        open_at_end=float(still_open.sum()), replications=replications, calls_simulated=int(batch.simulated.sum()),
        calls_per_second=calls_per_second(batch.simulated, batch.engine_s), intervals=intervals,
        fluid=_email_fluid(centre))


def _email_fluid(c: EmailCentre) -> EmailFluid | None:
    if c.warmup_s > 0:
        return None  # the fluid opens with an empty backlog
    items = c.rate_per_s * c.interval_s
    b = email_backlog(items, c.agents, c.interval_s, c.handle_mean_s, c.deadline_s)
    judged = float(b.met.sum() + b.missed.sum())
    return EmailFluid(share_within_deadline=float(b.met.sum()) / judged if judged > 0 else None,
                      met=float(b.met.sum()), missed=float(b.missed.sum()), open_at_end=float(b.open.sum()),
                      backlog=[float(x) for x in b.backlog])


def simulate_blend(centre: BlendCentre, replications: int, seed: int, *, workers: int | None = None,
                   scheduler: str | None = None, progress: Callable[[int], None] | None = None,
                   trace: bool = False) -> tuple[Batch, BlendRun]:
    """Simulate a voice, a chat and an email queue served by one pool under the router's blending rule: voice
    and chat measures as a voice queue's, email's share within the deadline as an email queue's, each with its
    95 % interval; a channel without contacts has null measures."""
    batch = run(centre, replications, seed, workers=workers, scheduler=scheduler, progress=progress, trace=trace)
    voice = batch.calls[:, blend_engine.VOICE].sum(axis=1)  # [R, 7]
    chat = batch.calls[:, blend_engine.CHAT].sum(axis=1)
    email = batch.calls[:, blend_engine.EMAIL].sum(axis=1)
    share = ratio_estimate(email[:, email_engine.MET], email[:, email_engine.MET] + email[:, email_engine.MISSED])
    asa = ratio_estimate(email[:, email_engine.WAIT_TAKEN_S], email[:, email_engine.TAKEN])
    time = batch.agent_time.sum(axis=2)  # [R, 4, 5]
    staffed = time[:, blend_engine.POOL, chat_engine.STAFFED_S]  # the pool's, the same in every row

    def share_of(row: int, stat: int = chat_engine.BUSY_S):
        return ratio_estimate(time[:, row, stat], staffed)

    occupancy, held = share_of(blend_engine.POOL), share_of(blend_engine.CHAT, chat_engine.SESSION_S)
    offered = {"voice": voice[:, OFFERED].sum(), "chat": chat[:, OFFERED].sum(),
               "email": email[:, email_engine.OFFERED].sum()}
    return batch, BlendRun(
        channels=[name for name, n in offered.items() if n > 0],
        voice=CallMeasures.at(call_measures(voice)) if offered["voice"] else None,
        chat=CallMeasures.at(call_measures(chat)) if offered["chat"] else None,
        chat_sessions_per_agent=json_number(held.mean), chat_sessions_per_agent_ci95=json_number(held.half_width),
        email_share_within_deadline=json_number(share.mean), email_share_within_deadline_ci95=json_number(
            share.half_width), email_asa=json_number(asa.mean), email_asa_ci95=json_number(asa.half_width),
        email_open_at_end=float(email[:, email_engine.OPEN].mean()), occupancy=json_number(occupancy.mean),
        occupancy_ci95=json_number(occupancy.half_width),
        voice_time_share=json_number(share_of(blend_engine.VOICE).mean),
        chat_time_share=json_number(share_of(blend_engine.CHAT).mean),
        email_time_share=json_number(share_of(blend_engine.EMAIL).mean),
        replications=replications, calls_simulated=int(batch.simulated.sum()),
        calls_per_second=calls_per_second(batch.simulated, batch.engine_s))
