"""Agents whose desk has gone: an agent who set herself available from the desk (``/desk``) and closed its tab,
or lost its connection, would stay available forever and be offered contacts nobody sees. The desk keeps the
event socket open with ``desk=1``; when an agent's last such socket on this node closes and none comes back
within ``grace_s``, she is logged off (status offline, reason ``desk_closed``: her accepted chats and email
items go back to their queues, state/core.py ``set_status``). A reload or a short network cut
reconnects within the grace and changes nothing. An agent who never opened a desk (a SIP phone, a REST client)
is never touched.

Per node: with several nodes, a desk that reconnects to another node within the grace is not seen by the node
it left, which logs the agent off (she sets herself available again from the desk). Looked at on every tick of
the router's clock."""

from __future__ import annotations

from collections import Counter


class DeskPresence:
    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self.open: Counter[str] = Counter()
        self.left_at: dict[str, float] = {}
        """Agents with no desk socket open, since when."""

    def opened(self, agent_id: str) -> None:
        self.open[agent_id] += 1
        self.left_at.pop(agent_id, None)

    def closed(self, agent_id: str, at: float) -> None:
        self.open[agent_id] -= 1
        if self.open[agent_id] <= 0:
            del self.open[agent_id]
            self.left_at[agent_id] = at

    def due(self, at: float) -> list[str]:
        """The agents whose desk has been gone for the grace: forgotten here, to be logged off."""
        gone = sorted(agent for agent, since in self.left_at.items() if at - since >= self.grace_s)
        for agent in gone:
            del self.left_at[agent]
        return gone
