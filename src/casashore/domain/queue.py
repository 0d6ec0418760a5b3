"""A queue: a stream of contacts needing one skill, a client's line in one language, on one channel (voice, chat
or email). Its facts and their validation are written here once; the simulator, the plan and the router subclass
it with what their use adds (per-interval calls and duration laws; a history source and a country; dialled
numbers and waiting limits)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from casashore.domain.base import (
    HandleSeconds,
    Name,
    PositiveSeconds,
    ScenarioError,
    Share,
    Skill,
    Strict,
    TargetSeconds,
    TimeZoneName,
)
from casashore.errors import MISSING


def channel_name(value: object) -> object:
    """A channel as given in any case (``Chat``, `` EMAIL``), in lower case, as the import reads it; anything
    else left for the validation to refuse."""
    return value.strip().lower() if isinstance(value, str) else value


Channel = Annotated[Literal["voice", "chat", "email"], BeforeValidator(channel_name)]
"""voice, chat or email; given in any case (a scenario's, the API's), read in lower case"""
MAX_SESSIONS = 10
"""The most chat sessions one agent holds at once: beyond, nobody reads ten conversations."""
MIN_DEADLINE_S = 60
"""An email's deadline: at least a minute (shorter is a chat)."""
MAX_DEADLINE_S = 30 * 86_400
"""An email's deadline: up to 30 days (a back-office item may have a week or two)."""
DeadlineSeconds = Annotated[float, Field(ge=MIN_DEADLINE_S, le=MAX_DEADLINE_S, allow_inf_nan=False)]
"""An email's deadline: [60, 2,592,000] seconds (a minute to 30 days)."""
CHANNEL_FIELDS = {"chat": ("max_sessions", "concurrency"), "email": ("deadline_s", "deadline_share")}
"""The fields each channel needs; every other channel refuses them."""
NOT_FOR_EMAIL = ("patience_s", "target_s", "service_level")
"""An email item never abandons, and its goal is deadline_share within deadline_s."""


class ChannelRules(Strict):
    """What a queue's channel requires of its fields, checked once every field is valid (Queue's fields stay the
    last lines of this module, where a new field goes)."""

    @model_validator(mode="after")
    def _channel_fields(self) -> ChannelRules:
        """Each channel's own fields are required on it and refused elsewhere, so that a chat setting on a voice
        queue (a misplaced line in a file) is an error, not silently ignored."""
        for channel, fields in CHANNEL_FIELDS.items():
            for field in fields:
                value = getattr(self, field)
                if self.channel == channel and value is None:
                    raise ScenarioError(field, MISSING, f"a value: a {channel} queue needs {' and '.join(fields)}",
                                        relative=True)
                if self.channel != channel and value is not None:
                    raise ScenarioError(field, value, f"no {field} on a {self.channel} queue (it is for "
                                        f"channel = \"{channel}\")", relative=True)
        if self.channel == "email":
            for field in NOT_FOR_EMAIL:
                if field in self.model_fields_set:
                    raise ScenarioError(field, getattr(self, field), "no such field on an email queue: items never "
                                        "abandon, and the goal is deadline_share within deadline_s", relative=True)
        return self

    def concurrency_factor(self, sessions: int) -> float:
        """f(m) = 1 + c (m - 1): a session's handle time over ``aht_s`` while the agent holds ``sessions``."""
        return 1.0 + (self.concurrency or 0.0) * (max(sessions, 1) - 1)


def voice_only(queue: Queue, use: str) -> Queue:
    """Refuse a chat or email queue where ``use`` (the plan, the router, a simulation scenario) handles voice only so
    far: taken as voice it would be planned, simulated or routed wrong without a word."""
    if queue.channel != "voice":
        raise ScenarioError("channel", queue.channel, f"\"voice\": {use} takes voice queues only so far (chat and "
                            "email are staffed by `casashore staff --channel`)", relative=True)
    return queue


class Queue(ChannelRules):
    """The facts of a queue every part of casashore shares.

    - ``name``: a Name (data, never a path); ``skill``: the one skill its contacts need.
    - ``channel``: ``voice`` (the default: an agent holds one call), ``chat`` (an agent holds up to
      ``max_sessions`` sessions at once) or ``email`` (items worked one at a time, deferrable, never abandoned).
    - ``aht_s``: the mean handle time, [1 ms, 86,400] seconds; for chat, a session's handle time when it is the
      agent's only one.
    - ``patience_s``: callers' mean patience, [1 ms, 1e7] seconds; absent means they never hang up (not for email).
    - ``target_s``: answered within this wait counts as in service level, [0, 86,400] seconds (voice and chat).
    - ``service_level``: the share of offered contacts to answer within ``target_s``, the goal staffing aims at.
    - ``client_time_zone``: the IANA zone of the client's calls (checked: a misspelt zone is refused).
    - ``max_sessions`` (chat only, required): sessions an agent holds at once, 1 to 10.
    - ``concurrency`` (chat only, required): c in [0, 1], the slowdown of concurrent sessions. An agent holding
      m sessions works each at 1 / f(m) of the speed of a single one, f(m) = 1 + c (m - 1): a session that would
      take ``aht_s`` alone takes ``aht_s`` f(m) while m are held throughout. c = 0: sessions do not slow each
      other (m sessions, m times the throughput); c = 1: the agent's throughput stays that of one session.
    - ``deadline_s`` (email only, required): an item answered within it is on time, [60 s, 30 days].
    - ``deadline_share`` (email only, required): the share of items to answer within ``deadline_s``, (0, 1).
    """

    name: Name
    skill: Skill
    aht_s: HandleSeconds
    patience_s: PositiveSeconds | None = None
    target_s: TargetSeconds = 20.0
    service_level: Share = 0.8
    client_time_zone: TimeZoneName | None = None
    channel: Channel = "voice"
    max_sessions: Annotated[int, Field(ge=1, le=MAX_SESSIONS)] | None = None
    concurrency: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    deadline_s: DeadlineSeconds | None = None
    deadline_share: Share | None = None
