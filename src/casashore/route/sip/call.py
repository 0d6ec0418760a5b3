"""One call as the SIP front signals it: its INVITE, the caller's address, its state and its timers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from casashore.route.sip.message import SipMessage


@dataclass
class SipCall:
    call_id: str
    """The SIP Call-ID (data)."""
    route_id: str
    """The router's id of the call (call_ids.router_id of the Call-ID): its key here and in the router."""
    invite: SipMessage
    """The INVITE, slimmed to the headers a dialog needs."""
    addr: tuple[str, int]
    to_tag: str
    state: str = "proceeding"
    """proceeding (ringing) → answered (200 sent) → confirmed (ACK) → ended; or → completed (non-2xx sent)."""
    last_response: bytes = b""
    retransmit: asyncio.TimerHandle | None = None
    cseq: int = 0
    """Our own CSeq counter for requests we send in the dialog (BYE)."""
    byes: dict = field(default_factory=dict)
    received: int = 0
    """Bytes the caller's address sent on this call (its INVITE and the INVITE's retransmissions)."""
    sent: int = 0
    """Bytes sent to the caller's address on this call: repetitions stop at ``received`` until it is verified."""
    answer_sdp: bytes | None = None
    """The SDP the caller is answered with when an agent's phone answered (b2bua.py, through the media
    anchor); None: the front's own answer (an agent without a phone, accepting from the desktop)."""
