"""The chat and email simulations' results, typed like simulate/results.py's: each record's fields are its JSON keys,
``to_json()`` the JSON exactly. A chat run is read like a voice queue (its call measures) plus what concurrency
adds; an email run by its share within the deadline. Each carries the formula's answer for the same staffing
(queueing/chat.py's chain, queueing/email_backlog.py's fluid) to read beside it."""

from __future__ import annotations

from dataclasses import dataclass

from casashore.domain.json_record import JsonRecord, flattened, optional_key
from casashore.simulate.results import CallMeasures


@dataclass(frozen=True)
class ChatFormula(JsonRecord):
    """queueing/chat.py's chain for the same queue and agents (constant demand), its keys `casashore staff`'s."""
    p_wait: float | None
    service_level: float | None
    asa: float | None
    """seconds: the mean wait, of every session as of the answered ones when nobody abandons; null with a
    patience (the chain gives only the wait of every session then: ``asa_all``)"""
    p_abandon: float | None
    occupancy: float | None
    """the share of agents holding at least one session"""
    sessions_per_agent: float | None
    slot_use: float | None
    """sessions held over agents x max_sessions: the share of the chat slots in use"""
    asa_all: float | None = optional_key()
    """with a patience only: seconds, the mean wait of every session, abandoned ones included"""


@dataclass(frozen=True, kw_only=True)
class ChatRun(JsonRecord):
    """A chat queue simulated, every counted interval pooled."""
    channel: str
    max_sessions: int
    concurrency: float
    measures: CallMeasures = flattened()
    occupancy: float | None
    """agent-seconds holding at least one session over agent-seconds logged in: agents holding a chat (an agent
    holding any is counted busy)"""
    occupancy_ci95: float | None
    sessions_per_agent: float | None
    """session-seconds over agent-seconds logged in: the mean sessions an agent holds"""
    sessions_per_agent_ci95: float | None
    slot_use: float | None
    """session-seconds over agent-seconds logged in x max_sessions: the share of the chat slots in use"""
    slot_use_ci95: float | None
    sessions_offered: int
    calls_simulated: int
    replications: int
    calls_per_second: float | None
    """sessions simulated per second of engine time"""
    formula: ChatFormula | None = optional_key()


@dataclass(frozen=True)
class EmailInterval(JsonRecord):
    interval: int
    start_min: float
    offered: float
    share_within_deadline: float | None
    share_within_deadline_ci95: float | None
    open_at_end: float


@dataclass(frozen=True)
class EmailFluid(JsonRecord):
    """queueing/email_backlog.py's fluid backlog for the same items and agents."""
    share_within_deadline: float | None
    met: float
    missed: float
    open_at_end: float
    backlog: list[float]
    """items waiting at each interval boundary"""


@dataclass(frozen=True, kw_only=True)
class EmailRun(JsonRecord):
    """An email queue simulated over its horizon; items judged met, missed or open at its end."""
    channel: str
    deadline_s: float
    share_within_deadline: float | None
    """items taken up within the deadline over items judged (met + missed)"""
    share_within_deadline_ci95: float | None
    asa: float | None
    """mean wait of the items taken up, seconds"""
    asa_ci95: float | None
    occupancy: float | None
    occupancy_ci95: float | None
    items_offered: float
    """per replication, on average"""
    open_at_end: float
    """per replication, on average: still waiting at the end, their deadline beyond it"""
    replications: int
    calls_simulated: int
    calls_per_second: float | None
    intervals: list[EmailInterval]
    fluid: EmailFluid | None = optional_key()


@dataclass(frozen=True, kw_only=True)
class BlendRun(JsonRecord):
    """A voice, a chat and an email queue sharing one pool of agents (simulate/blend_engine.py), intervals
    pooled; a channel without contacts has its measures null."""
    channels: list[str]
    """the channels that had contacts"""
    voice: CallMeasures | None
    """the voice queue's measures, as a voice-only run reports them"""
    chat: CallMeasures | None
    """the chat queue's measures, as a chat run reports them (per session)"""
    chat_sessions_per_agent: float | None
    """chat session-seconds over agent-seconds logged in"""
    chat_sessions_per_agent_ci95: float | None
    email_share_within_deadline: float | None
    email_share_within_deadline_ci95: float | None
    email_asa: float | None
    email_asa_ci95: float | None
    email_open_at_end: float
    """per replication, on average"""
    occupancy: float | None
    """agent-seconds on any channel over agent-seconds logged in"""
    occupancy_ci95: float | None
    voice_time_share: float | None
    """agent-seconds on a call over agent-seconds logged in"""
    chat_time_share: float | None
    """agent-seconds holding at least one chat over agent-seconds logged in"""
    email_time_share: float | None
    """agent-seconds working an email (not paused under a call) over agent-seconds logged in"""
    replications: int
    calls_simulated: int
    calls_per_second: float | None
    queues: dict[str, str] | None = optional_key()
    """the scenario's queue name per channel (`casashore simulate` of a blended scenario)"""
