"""Where a call's audio flows: the one interface the B2BUA (sip/b2bua.py) passes every SDP through.

The B2BUA calls ``offer`` on the caller's SDP before it INVITEs the agent's phone (then ``recording``: the file
the call is recorded to, kept in the call's record), ``answer`` on the phone's SDP before it answers the caller,
and ``delete`` when the call ends. ``DirectMedia`` (direct.py) hands the SDP on
unchanged: RTP flows between the caller and the phone. An anchoring implementation (rtpengine over its ng
protocol) rewrites the addresses to its own and relays the audio.

The keys are the caller's leg: its Call-ID, its From tag, and the To tag the router gave it (the phone's leg has
a Call-ID of its own, which an anchor never needs to know).
"""

from __future__ import annotations

from typing import Protocol


class MediaAnchor(Protocol):
    async def offer(self, call_id: str, from_tag: str, sdp: bytes) -> bytes:
        """The SDP to send the agent's phone for the caller's offer ``sdp``."""
        ...

    async def answer(self, call_id: str, from_tag: str, to_tag: str, sdp: bytes) -> bytes:
        """The SDP to answer the caller with for the phone's answer ``sdp`` (also its early 183 SDP)."""
        ...

    async def delete(self, call_id: str, from_tag: str) -> None:
        """The call is over: release what ``offer`` and ``answer`` set up (nothing to do for direct media)."""
        ...

    async def recording(self, call_id: str) -> str | None:
        """The file the engine records the call's audio to, as the engine named it (asked once ``offer`` has
        run, while the call lives), or None: not recorded (direct media never is)."""
        ...
