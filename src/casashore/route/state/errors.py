"""The router's refusals that a caller acts on, raised as the same types by the state in memory (core.py) and in
Redis (redis_router.py), so that no caller reads an error's message to tell them apart."""

from __future__ import annotations


class CallExists(ValueError):
    """``arrive`` with a call id the router knows already (a retransmitted or re-sent INVITE)."""


class AgentExists(ValueError):
    """``add_agent`` with an agent id the router knows already (in Redis: another node of the centre, starting at
    the same time, added the agent first)."""

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"agent {agent_id!r} exists")
        self.agent_id = agent_id
