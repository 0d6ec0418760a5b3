"""Who a bearer token speaks for: a role and, for an agent, the agent's id. Kept apart from http.py so that
loading a centre file (config.py) does not import the web framework."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["agent", "supervisor", "trunk"]


@dataclass(frozen=True)
class Principal:
    role: Role
    agent_id: str | None = None
    name: str = ""
    """Who acts, for an audit trail (a supervisor's token's place in the centre file: ``supervisor#1``)."""
