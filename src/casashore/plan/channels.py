"""The plan's chat and email queues (issue 21): their staffing per site interval and their simulation against the
agents the schedule puts on them.

Each chat or email queue has a skill of its own (plan/scenario.py refuses a shared one): the agents scheduled on
that skill work that queue only, so a queue is one pool and one engine. Blended agents, who would take chats and
calls, or emails between calls, are not modelled: the plan adds each channel's agents as it adds skills'.

- chat: the fewest agents per interval whose chain (queueing/chat.py) meets the queue's service level within
  ``target_s``, with its sessions, ``max_sessions``, ``concurrency`` and patience; simulated by
  simulate/chat_engine.py, judged like a voice queue (service level, ASA, abandonment).
- email: the fewest agents, one level per site day over the site's open intervals, such that ``deadline_share``
  of each day's items are taken up within ``deadline_s`` with the backlog carried from interval to interval
  (queueing/email_backlog.py); the planned days taken as a repeating week (cyclic: the last day's items are
  worked by the first day's agents). Simulated by simulate/email_engine.py over the planned days from an empty
  backlog (items still open at the end are not judged); its level per interval of arrival is the share taken up
  within the deadline, and the backlog the fluid leaves with the scheduled agents comes beside it.

Handle times (and chat patience) are exponential, the case the formulas describe."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence

import numpy as np

from casashore.domain.queue import Queue
from casashore.domain.units import json_number
from casashore.errors import UserError
from casashore.simulate.results import (
    CallMeasures,
    GroupIntervals,
    GroupResult,
    QueueIntervals,
    QueueResult,
    SimulatedCentre,
)
from casashore.workers import Execution

NON_CALL = ("p_wait", "p_abandon", "mean_time_to_abandon")
"""Call measures an email queue has none of: items never abandon, and every item waits for its turn."""


def channel_requirement(queue: Queue, calls: np.ndarray, aht_s: float, interval_min: int, is_open: np.ndarray,
                        where: str) -> np.ndarray:
    """Agents working the chat or email ``queue`` per site interval (before shrinkage); ``calls``: its sessions
    or items per interval, whole site days; ``where``: the queue's path for an error (``queues[2]``)."""
    from casashore.queueing.chat import chat_required_agents
    from casashore.queueing.email_backlog import email_required_agents

    interval_s = interval_min * 60.0
    if queue.channel == "chat":
        return chat_required_agents(calls, interval_s, aht_s, queue.max_sessions, queue.concurrency,
                                    target_s=queue.target_s, service_level=queue.service_level,
                                    patience_s=queue.patience_s or math.inf).agents.astype(float)
    days = calls.size * interval_min // 1440
    try:
        return email_required_agents(calls, interval_s, aht_s, queue.deadline_s, queue.deadline_share,
                                     open_intervals=is_open, days=days, cyclic=True).agents.astype(float)
    except UserError as exc:
        raise UserError(f"{where}.{exc.field}", exc.value, f"{exc.expected} (the site's opening_hours are when "
                        "agents work emails)") from None


def channel_seed(plan_seed: int, queue: str) -> int:
    """A chat or email queue's own seed, drawn from the plan's and its name (as plan/simulated.py's blocks)."""
    return int.from_bytes(hashlib.sha256(json.dumps([plan_seed, queue]).encode()).digest()[:8], "big") >> 1


def simulate_channel(queue: Queue, group: str, calls: Sequence[float], aht_s: float, agents: Sequence[float],
                     interval_min: int, replications: int, seed: int, execution: Execution,
                     progress: Callable[[int], None] | None = None) -> SimulatedCentre:
    """The chat or email ``queue`` against ``agents`` on it per interval (the group ``group``), ``replications``
    runs from ``seed``: its measures per interval as a voice queue's (the plan's goals read them alike)."""
    from casashore.simulate.chat_engine import ChatCentre
    from casashore.simulate.distributions import EXPONENTIAL, NEVER
    from casashore.simulate.email_engine import email_centre
    from casashore.simulate.replications import run

    interval_s = interval_min * 60.0
    calls = np.asarray(calls, float)
    staffed = np.asarray(agents, np.int64)
    workers = 1 if execution.workers is None else execution.workers
    if queue.channel == "chat":
        patience = queue.patience_s
        centre = ChatCentre(
            interval_s=interval_s, warmup_s=0.0, rate_per_s=calls / interval_s, agents=staffed,
            max_sessions=int(queue.max_sessions), concurrency=float(queue.concurrency), target_s=float(queue.target_s),
            handle_kind=EXPONENTIAL, handle_mean_s=float(aht_s), handle_cv=1.0,
            patience_kind=EXPONENTIAL if patience else NEVER, patience_mean_s=float(patience or 0.0),
            patience_cv=1.0, observed_s=np.zeros(1))
    else:
        centre = email_centre(calls, interval_s, aht_s, staffed, queue.deadline_s)
    batch = run(centre, replications, seed, workers=workers, scheduler=execution.scheduler, progress=progress)
    if queue.channel == "chat":
        result, busy, logged = _chat_queue(queue, batch, interval_min)
    else:
        result, busy, logged = _email_queue(queue, batch, calls, staffed, interval_s, aht_s)
    return SimulatedCentre(replications=replications, queues=[result], groups=[_group(group, busy, logged)],
                           calls_simulated=int(batch.simulated.sum()))


def _chat_queue(queue: Queue, batch, interval_min: float) -> tuple[QueueResult, np.ndarray, np.ndarray]:
    from casashore.simulate import chat_engine
    from casashore.simulate.engine import OFFERED
    from casashore.simulate.estimates import call_measures

    counts = batch.calls  # [R, 1, I, 7]: the voice engine's counts
    offered = counts[..., OFFERED].mean(axis=0)[0]
    result = QueueResult(queue=queue.name, skill=queue.skill, offered=float(offered.sum()),
                         service_level_goal=queue.service_level,
                         measures=CallMeasures.at(call_measures(counts.sum(axis=2)), 0),
                         intervals=QueueIntervals.of_estimates(offered, call_measures(counts), interval_min, 0),
                         channel="chat")
    time = batch.agent_time[:, 0]  # [R, I, stats]
    return result, time[..., chat_engine.BUSY_S], time[..., chat_engine.STAFFED_S]


def _email_queue(queue: Queue, batch, items: np.ndarray, agents: np.ndarray, interval_s: float,
                 aht_s: float) -> tuple[QueueResult, np.ndarray, np.ndarray]:
    from casashore.queueing.email_backlog import email_backlog
    from casashore.simulate import email_engine
    from casashore.simulate.estimates import ratio_estimate

    counts = batch.calls[:, 0]  # [R, I, EMAIL_STATS]
    met, missed = counts[..., email_engine.MET], counts[..., email_engine.MISSED]
    taken, waited = counts[..., email_engine.TAKEN], counts[..., email_engine.WAIT_TAKEN_S]
    offered = counts[..., email_engine.OFFERED].mean(axis=0)

    def measures(level, asa) -> CallMeasures:
        none = {name: None for name in NON_CALL} | {f"{name}_ci95": None for name in NON_CALL}
        return CallMeasures(**none, service_level=json_number(level.mean), service_level_ci95=json_number(
            level.half_width), asa=json_number(asa.mean), asa_ci95=json_number(asa.half_width))

    whole = measures(ratio_estimate(met.sum(axis=1), (met + missed).sum(axis=1)),
                     ratio_estimate(waited.sum(axis=1), taken.sum(axis=1)))
    level, asa = ratio_estimate(met, met + missed), ratio_estimate(waited, taken)
    per_interval = QueueIntervals.of(offered, {"service_level": (level.mean, level.half_width),
                                               "asa": (asa.mean, asa.half_width)}, interval_s / 60.0)
    fluid = email_backlog(items, agents, interval_s, aht_s, queue.deadline_s)
    result = QueueResult(queue=queue.name, skill=queue.skill, offered=float(offered.sum()),
                         service_level_goal=queue.deadline_share, measures=whole,
                         intervals=per_interval, channel="email",
                         backlog=[float(b) for b in fluid.backlog])
    time = batch.agent_time[:, 0]
    return result, time[..., email_engine.BUSY_S], time[..., email_engine.STAFFED_S]


def _group(name: str, busy: np.ndarray, logged: np.ndarray) -> GroupResult:
    from casashore.simulate.estimates import ratio_estimate

    whole = ratio_estimate(busy.sum(axis=1), logged.sum(axis=1))
    per = ratio_estimate(busy, logged)
    return GroupResult(group=name, occupancy=json_number(whole.mean), occupancy_ci95=json_number(whole.half_width),
                       intervals=GroupIntervals.of(per.mean, per.half_width))
