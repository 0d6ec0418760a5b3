"""A queue: a stream of calls needing one skill, a client's line in one language. Its facts and their validation
are written here once; the simulator, the plan and the router subclass it with what their use adds (per-interval
calls and duration laws; a history source and a country; dialled numbers and waiting limits)."""

from __future__ import annotations

from casashore.domain.base import (
    HandleSeconds,
    Name,
    PositiveSeconds,
    Share,
    Skill,
    Strict,
    TargetSeconds,
    TimeZoneName,
)


class Queue(Strict):
    """The facts of a queue every part of casashore shares.

    - ``name``: a Name (data, never a path); ``skill``: the one skill its calls need.
    - ``aht_s``: the mean handle time, [1 ms, 86,400] seconds.
    - ``patience_s``: callers' mean patience, [1 ms, 1e7] seconds; absent means they never hang up.
    - ``target_s``: answered within this wait counts as in service level, [0, 86,400] seconds.
    - ``service_level``: the share of offered calls to answer within ``target_s``, the goal staffing aims at.
    - ``client_time_zone``: the IANA zone of the client's calls (checked: a misspelt zone is refused).
    """

    name: Name
    skill: Skill
    aht_s: HandleSeconds
    patience_s: PositiveSeconds | None = None
    target_s: TargetSeconds = 20.0
    service_level: Share = 0.8
    client_time_zone: TimeZoneName | None = None
