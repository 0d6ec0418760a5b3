"""The plan's chat and email queues (issue 21): their staffing per site interval and their simulation against the
agents the schedule puts on them.

Each chat or email queue has a skill of its own, the agents scheduled on that skill working that queue only (a
queue is one pool and one engine) — except a *blended pool*: one voice queue with a chat queue, an email queue or
both on one skill (plan/scenario.py refuses any other sharing across channels), whose agents take them under the
router's rule, calls and chats before emails. Its requirement is ``pool_requirement`` (voice by Erlang, chat as
the agents its sessions hold under that rule, email fed by the time calls and chats leave first:
``blended_requirement``) and it is simulated by the blended engine (simulate/blend_engine.py), its queues at
once: ``simulate_pool``.

- chat: the fewest agents per interval whose chain (queueing/chat.py) meets the queue's service level within
  ``target_s``, with its sessions, ``max_sessions``, ``concurrency`` and patience; simulated by
  simulate/chat_engine.py, judged like a voice queue (service level, ASA, abandonment).
- email: the fewest agents, one level per site day over the site's open intervals, such that ``deadline_share``
  of each day's items are taken up within ``deadline_s`` with the backlog carried from interval to interval
  (queueing/email_backlog.py); the planned days taken as a repeating week (cyclic: the last day's items are
  worked by the first day's agents). Simulated by simulate/email_engine.py over the planned days (items still
  open at the end are not judged); its level per interval of arrival is the share taken up within the deadline,
  and the backlog the fluid leaves with the scheduled agents comes beside it.

The initial backlog (docs/plan.md, "The backlog a plan starts with"): the planned days are a repeating cycle for
the email staffing (queueing/email_backlog.py, ``cyclic``) and for the schedule (schedule/deadline_work.py: the
backlog at the horizon's end is the one at its start), so the simulation and the backlog curve start from that
cycle's state too, never from an empty backlog that would flatter the first morning: the simulation runs one
copy of the horizon first as a warm-up (``WARMUP_CYCLES``) and judges the second, and the fluid curve is the
repeated horizon's (``email_cyclic_backlog``), whose first point is the backlog its own last day carries over.

Handle times (and chat patience) are exponential, the case the formulas describe."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

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

BLENDED = "voice+email"
"""A voice and email pool's ``SkillRequirement.channel``; a pool's channel is its channels joined by + (voice+chat,
voice+email, voice+chat+email: ``is_blended``): its on_phone is the pool's agents, its calls and aht_s the voice
queue's (the chat queue's sessions and the email queue's items are in ``Staffing.queues``), so phone lines count
its calls."""


def is_blended(channel: str | None) -> bool:
    """Whether a ``SkillRequirement.channel`` is a blended pool's."""
    return channel is not None and "+" in channel

WARMUP_CYCLES = 1
"""Copies of the horizon an email queue's (or an email pool's) simulation runs before the one it judges: the
backlog the cycle carries into its first day (the staffing's and the schedule's starting state, which three
copies of the fluid and the schedule's cyclic balance take too)."""


def _cycled(values) -> np.ndarray:
    """``values`` per interval with the warm-up copies before them."""
    return np.tile(np.asarray(values), WARMUP_CYCLES + 1)


NON_CALL = ("p_wait", "p_abandon", "mean_time_to_abandon")
"""Call measures an email queue has none of: items never abandon, and every item waits for its turn."""


def channel_requirement(queue: Queue, calls: np.ndarray, aht_s: float, interval_min: int, is_open: np.ndarray,
                        where: str, first_day: date | None = None) -> np.ndarray:
    """Agents working the chat or email ``queue`` per site interval (before shrinkage); ``calls``: its sessions
    or items per interval, whole site days from ``first_day`` (an error names the day by its date); ``where``: the
    queue's path for an error (``queues[2]``)."""
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
                                     open_intervals=is_open, days=days, cyclic=True,
                                     first_day=first_day).agents.astype(float)
    except UserError as exc:
        raise UserError(f"{where}.{exc.field}", exc.value, f"{exc.expected} (the site's opening_hours are when "
                        "agents work emails)") from None


def email_work_agents(items: np.ndarray, aht_s: float, interval_min: int) -> np.ndarray:
    """A separate email queue's requirement per site interval as the plan staffs it (plan/pipeline.py
    ``staffing_step``): the agents' worth of the items arriving in each interval (items x handle time / interval),
    work with a deadline the schedule places (schedule/deadline_work.py), not a level held interval by interval."""
    return np.asarray(items, float) * aht_s / (interval_min * 60.0)


def blended_requirement(voice_agents: np.ndarray, voice_erlangs: np.ndarray, queue: Queue, items: np.ndarray,
                        aht_s: float, interval_min: int, is_open: np.ndarray, where: str,
                        first_day: date | None = None) -> np.ndarray:
    """Agents of a blended pool per site interval (before shrinkage): a voice queue's and the email ``queue``'s on
    one skill, the router's rule (docs/routing.md "Channels": an email item pauses under a call). With a chat queue
    in the pool too, ``voice_agents`` are the agents calls and chats need and ``voice_erlangs`` the agents they
    keep busy (``pool_requirement``): an agent holding a chat takes no email.

    The approximation: calls see every agent of the pool (an email never keeps an agent from a call), so the
    voice requirement ``voice_agents`` (Erlang) stands; the time calls leave, ``voice_agents - voice_erlangs``
    agents' worth in each open interval, feeds the email backlog first (queueing/email_backlog.py's fluid, its
    ``spare``), and the pool adds, one level per day as an email queue alone would, the fewest agents that meet
    the deadline share with it. It ignores that idle time comes in scattered moments rather than as a steady
    rate (an email item started in a quiet moment is paused by the next call, no work lost); the blended
    simulator is the check (tests/test_plan_blend.py)."""
    from casashore.queueing.email_backlog import email_required_agents

    spare = np.maximum(np.asarray(voice_agents, float) - np.asarray(voice_erlangs, float), 0.0) * is_open
    days = items.size * interval_min // 1440
    try:
        extra = email_required_agents(items, interval_min * 60.0, aht_s, queue.deadline_s, queue.deadline_share,
                                      open_intervals=is_open, days=days, cyclic=True, spare=spare,
                                      first_day=first_day).agents
    except UserError as exc:
        raise UserError(f"{where}.{exc.field}", exc.value, f"{exc.expected} (the site's opening_hours are when "
                        "agents work emails)") from None
    return np.asarray(voice_agents, float) + extra


@dataclass(frozen=True)
class PoolRequirement:
    """A blended pool's agents per site interval (before shrinkage), in parts that add up to ``agents``, and the
    agents its queues would need staffed apart."""

    agents: np.ndarray
    voice: np.ndarray
    """the voice queue's Erlang requirement"""
    chat: np.ndarray
    """the agents the pool adds for its chats (zero without a chat queue)"""
    email: np.ndarray
    """the agents it adds for its emails once calls and chats have left their time to them"""
    apart: np.ndarray
    """the three queues each staffed alone, as the plan staffs a separate queue: Erlang, the chat chain, the email
    queue's work (``email_work_agents``: its items' handle time, which the schedule places before the deadline)"""


def chat_held_agents(sessions: np.ndarray, aht_s: float, queue: Queue, voice_p_wait: np.ndarray,
                     interval_min: int) -> np.ndarray:
    """The agents a blended pool's chats hold per interval, in agent-equivalents, under the router's rule.

    An agent holding a chat takes no call, and a new chat goes to the agent holding the fewest: to an idle agent
    whenever there is one. So chats spread one per agent, each holding an agent for its whole handle time
    (erlangs ``a = sessions x aht_s / interval``), and stack (up to ``max_sessions``, slowed by the concurrency
    factor f(k) = 1 + c (k - 1)) only when the pool has no idle agent: about the share of time a caller waits,
    the voice queue's P(wait) ``p`` at its Erlang requirement (1 without calls). The approximation:
    ``a x ((1 - p) + p f(k) / k)``. Measured in the blended simulator (tests/test_plan_blend_chat.py): chats held
    about 1.1-1.2 per chat-holding agent, as the approximation says."""
    a = np.asarray(sessions, float) * aht_s / (interval_min * 60.0)
    k = int(queue.max_sessions)
    stacked = (1.0 + float(queue.concurrency) * (k - 1)) / k
    p = np.clip(np.asarray(voice_p_wait, float), 0.0, 1.0)
    return a * ((1.0 - p) + p * stacked)


def pool_requirement(voice_agents: np.ndarray, voice_erlangs: np.ndarray, voice_p_wait: np.ndarray,
                     chat: Queue | None, sessions: np.ndarray | None, chat_aht_s: float, email: Queue | None,
                     items: np.ndarray | None, email_aht_s: float, interval_min: int, is_open: np.ndarray,
                     where: Callable[[Queue], str], first_day: date | None = None) -> PoolRequirement:
    """A blended pool's requirement per site interval (docs/plan.md "Blended pools"): its voice queue's Erlang
    requirement ``voice_agents`` (``voice_erlangs`` of calls, callers waiting with ``voice_p_wait``), then

    - chat: the agents its chats hold (``chat_held_agents``) added to the voice requirement, rounded to the
      nearest agent, and never fewer than the chat queue's own chain (queueing/chat.py) asks for alone;
    - email: ``blended_requirement`` over what calls and chats leave, the chats counted one session per agent
      (an added agent is idle at first, so chats spread onto it: the upper end of the chats' hold). Adding the
      parts so holds because emails come last (chat before email, docs/routing.md): an email never takes an
      agent a waiting call or chat could have had.

    Checked against the blended simulator on a grid of loads (tests/test_plan_blend_chat.py)."""
    voice_agents = np.asarray(voice_agents, float)
    zero = np.zeros_like(voice_agents)
    busy = np.asarray(voice_erlangs, float)
    live = voice_agents.copy()
    chat_alone = email_alone = zero
    if chat is not None:
        held = chat_held_agents(sessions, chat_aht_s, chat, np.where(busy > 0, voice_p_wait, 1.0), interval_min)
        chat_alone = channel_requirement(chat, np.asarray(sessions, float), chat_aht_s, interval_min, is_open,
                                         where(chat), first_day)
        live = np.maximum(voice_agents + np.rint(held), chat_alone)
        busy = busy + np.asarray(sessions, float) * chat_aht_s / (interval_min * 60.0)
    agents = live
    if email is not None:
        agents = blended_requirement(live, busy, email, np.asarray(items, float), email_aht_s, interval_min, is_open,
                                     where(email), first_day)
        email_alone = email_work_agents(np.asarray(items, float), email_aht_s, interval_min)
    return PoolRequirement(agents=agents, voice=voice_agents, chat=live - voice_agents, email=agents - live,
                           apart=voice_agents + chat_alone + email_alone)


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
        centre = email_centre(_cycled(calls), interval_s, aht_s, _cycled(staffed), queue.deadline_s)
    batch = run(centre, replications, seed, workers=workers, scheduler=execution.scheduler, progress=progress)
    judged = slice(batch.calls.shape[2] - calls.size, None)  # the last copy (email: after its warm-up)
    counts, time = batch.calls[:, :, judged], batch.agent_time[:, 0, judged]  # [R, 1, I, stats], [R, I, stats]
    if queue.channel == "chat":
        from casashore.simulate import chat_engine

        result = _call_queue(queue, counts, interval_min, "chat")
        busy, logged = time[..., chat_engine.BUSY_S], time[..., chat_engine.STAFFED_S]
        group_result = _group(group, busy, logged, held=time[..., chat_engine.SESSION_S],
                              max_sessions=int(queue.max_sessions))
    else:
        from casashore.queueing.email_backlog import email_cyclic_backlog
        from casashore.simulate import email_engine

        fluid = email_cyclic_backlog(calls, staffed, interval_s, aht_s, queue.deadline_s).backlog
        result = _email_queue(queue, counts[:, 0], interval_s, fluid)
        group_result = _group(group, time[..., email_engine.BUSY_S], time[..., email_engine.STAFFED_S])
    return SimulatedCentre(replications=replications, queues=[result], groups=[group_result],
                           calls_simulated=int(batch.simulated.sum()))


def pool_seed(plan_seed: int, skill: str) -> int:
    """A blended pool's own seed, drawn from the plan's and its skill (apart from any queue's: a list, not a
    name)."""
    return int.from_bytes(hashlib.sha256(json.dumps([plan_seed, [skill]]).encode()).digest()[:8], "big") >> 1


def simulate_pool(voice: Queue, chat: Queue | None, email: Queue | None, calls: Sequence[float], aht_s: float,
                  sessions: Sequence[float] | None, chat_aht_s: float, items: Sequence[float] | None,
                  email_aht_s: float, agents: Sequence[float], interval_min: int, replications: int, seed: int,
                  execution: Execution, progress: Callable[[int], None] | None = None) -> SimulatedCentre:
    """The blended pool of ``voice`` with ``chat`` and/or ``email`` (one skill, its group) against ``agents`` per
    interval, ``replications`` runs from ``seed`` by the blended engine (the router's rule: an agent holding a
    chat takes no call and no email, an email item pauses under a call): the voice and chat queues' measures as a
    voice queue's (the chat's with ``channel`` chat), the email queue's as an email queue's with the backlog the
    simulated agents left (items waiting at each interval boundary, the replications' mean), the pool's
    occupancy as its group's. Handle times and patience exponential, as the voice engine's in the plan."""
    from casashore.simulate import blend_engine, email_engine
    from casashore.simulate.blend_engine import blend_centre
    from casashore.simulate.chat_agents import BUSY_S, HANDLED, STAFFED_S
    from casashore.simulate.replications import run

    interval_s = interval_min * 60.0
    calls = np.asarray(calls, float)
    n = calls.size
    # With an email queue, a warm-up copy of the horizon first: the backlog its cycle carries into the first day.
    cycled = _cycled if email is not None else np.asarray
    none = np.zeros_like(calls)
    items = none if email is None else np.asarray(items, float)
    sessions = none if chat is None else np.asarray(sessions, float)
    chat_fields = {} if chat is None else {
        "sessions": cycled(sessions), "chat_aht_s": float(chat_aht_s), "max_sessions": int(chat.max_sessions),
        "concurrency": float(chat.concurrency), "chat_target_s": float(chat.target_s),
        "chat_patience_s": float(chat.patience_s or math.inf)}
    centre = blend_centre(cycled(calls), float(aht_s), cycled(items), float(email_aht_s),
                          cycled(np.asarray(agents, np.int64)), interval_s,
                          float(email.deadline_s) if email is not None else 86400.0, target_s=float(voice.target_s),
                          patience_s=float(voice.patience_s or math.inf), **chat_fields)
    workers = 1 if execution.workers is None else execution.workers
    batch = run(centre, replications, seed, workers=workers, scheduler=execution.scheduler, progress=progress)
    judged = slice(batch.calls.shape[2] - n, None)  # the last copy of the horizon
    counts_of = lambda row: batch.calls[:, row:row + 1, judged]  # noqa: E731
    queues = [_call_queue(voice, counts_of(blend_engine.VOICE), interval_min, None)]
    if chat is not None:
        queues.append(_call_queue(chat, counts_of(blend_engine.CHAT), interval_min, "chat"))
    if email is not None:
        counts = batch.calls[:, blend_engine.EMAIL]  # [R, I, EMAIL_STATS], the warm-up's intervals first
        # Items waiting at each boundary: those arrived before it (counted by interval of arrival) less those
        # taken up before it (the pool's email row counts them by interval of taking up); from the warm-up's
        # start, so the judged copy's first boundary holds what the warm-up left.
        taken = batch.agent_time[:, blend_engine.EMAIL, :, HANDLED]
        waiting = np.concatenate([[0.0], np.cumsum(counts[..., email_engine.OFFERED] - taken, axis=1).mean(axis=0)])
        queues.append(_email_queue(email, counts[:, judged], interval_s, waiting[-(n + 1):]))
    pool = batch.agent_time[:, blend_engine.POOL, judged]
    return SimulatedCentre(replications=replications, queues=queues,
                           groups=[_group(voice.skill, pool[..., BUSY_S], pool[..., STAFFED_S])],
                           calls_simulated=int(batch.simulated.sum()))


def _call_queue(queue: Queue, counts: np.ndarray, interval_min: float, channel: str | None) -> QueueResult:
    """A queue measured as calls (voice, or chat sessions): ``counts`` [R, 1, I, 7] in the voice engine's stats."""
    from casashore.simulate.engine import OFFERED
    from casashore.simulate.estimates import call_measures

    offered = counts[..., OFFERED].mean(axis=0)[0]
    return QueueResult(queue=queue.name, skill=queue.skill, offered=float(offered.sum()),
                       service_level_goal=queue.service_level,
                       measures=CallMeasures.at(call_measures(counts.sum(axis=2)), 0),
                       intervals=QueueIntervals.of_estimates(offered, call_measures(counts), interval_min, 0),
                       channel=channel)


def _email_queue(queue: Queue, counts: np.ndarray, interval_s: float, backlog) -> QueueResult:
    """An email queue measured from ``counts`` [R, I, EMAIL_STATS] per interval of arrival, with ``backlog`` (items
    waiting at each interval boundary) for its curve."""
    from casashore.simulate import email_engine
    from casashore.simulate.estimates import ratio_estimate

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
    return QueueResult(queue=queue.name, skill=queue.skill, offered=float(offered.sum()),
                       service_level_goal=queue.deadline_share, measures=whole,
                       intervals=per_interval, channel="email",
                       backlog=[float(b) for b in backlog])


def _group(name: str, busy: np.ndarray, logged: np.ndarray, held: np.ndarray | None = None,
           max_sessions: int | None = None) -> GroupResult:
    """A group's occupancy (``busy`` over ``logged`` agent-seconds, [R, I]); a chat group's slot use too: the
    session-seconds ``held`` over ``logged`` x ``max_sessions``."""
    from casashore.simulate.estimates import ratio_estimate

    whole = ratio_estimate(busy.sum(axis=1), logged.sum(axis=1))
    per = ratio_estimate(busy, logged)
    slots = {}
    if held is not None and max_sessions:
        use = ratio_estimate(held.sum(axis=1), logged.sum(axis=1) * max_sessions)
        slots = {"max_sessions": max_sessions, "slot_use": json_number(use.mean),
                 "slot_use_ci95": json_number(use.half_width)}
    return GroupResult(group=name, occupancy=json_number(whole.mean), occupancy_ci95=json_number(whole.half_width),
                       intervals=GroupIntervals.of(per.mean, per.half_width), **slots)
