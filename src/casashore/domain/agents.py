"""Agents and agent groups: who can take which calls.

An *agent* (the router's unit) has skills with a proficiency each; an *agent group* (the planner's and the
simulator's unit) is agents with the same skills, interchangeable for routing, with a priority per skill and
overflow delays. A channel capacity (calls or chats at once) would be one more field of each."""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import AfterValidator, Field

from casashore.domain.base import Name, RouteName, Skill, Strict
from casashore.domain.units import MAX_DURATION_S

Proficiency = Annotated[int, Field(ge=1, le=9)]
"""1 the best, 9 the least: agents at the best levels take a queue's calls first (skill relaxation)."""


def _delay_domain(seconds: float) -> float:
    if not (seconds <= MAX_DURATION_S or seconds == math.inf):
        raise ValueError(f"seconds in [0, {MAX_DURATION_S:.0e}], or inf (never)")
    return seconds


class Agent(Strict):
    """One agent: an id the router's API and records address, and skill → proficiency."""

    id: RouteName
    skills: dict[str, Proficiency]
    """skill → proficiency, 1 the best (the skill names are checked by the centre file, which names the
    agent's path in the error)."""


class AgentGroup(Strict):
    """Agents with the same skills: they are interchangeable for routing."""

    name: Name
    skills: dict[Skill, Annotated[int, Field(ge=1)]]
    """Skill -> priority (1 is served first by this group's freed agents)."""
    delay_s: dict[str, Annotated[float, Field(ge=0), AfterValidator(_delay_domain)]] = {}
    """Skill -> seconds a call must have waited before this group takes it (overflow, skill relaxation)."""
    cost: Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False)] = 1.0
    """Relative cost of an agent of this group (multi-skill agents usually cost more)."""
