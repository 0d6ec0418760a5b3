"""One leg towards an agent's phone: the UAC side of a dialog the router opens (RFC 3261 §8.1, §12.1.2), its
state, and the requests it sends — INVITE, the ACK of a 2xx, CANCEL, BYE — built from what the dialog knows.
sip/b2bua.py drives the legs; sip/uac.py makes their requests reliable."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from casashore.route.sip.call import SipCall
from casashore.route.sip.message import SipMessage, param, request, uri_user
from casashore.route.sip.uac import InviteClient

SAFE_USER = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")
"""A caller's user part shown to the phone as it is; anything else is shown as ``anonymous``."""
ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS"


def _via(host: str, port: int) -> tuple[str, str]:
    """A new branch (with the magic cookie) and our Via carrying it."""
    branch = "z9hG4bK" + uuid.uuid4().hex[:16]
    return branch, f"SIP/2.0/UDP {host}:{port};branch={branch};rport"


@dataclass(eq=False)
class AgentLeg:
    call: SipCall
    """The caller's leg this one serves."""
    agent_id: str
    uri: str
    """The phone's contact: the INVITE's Request-URI and To."""
    call_id: str
    from_tag: str
    state: str = "starting"
    """starting (media offer, address) → calling (INVITE sent) → ringing (a 1xx) → answering (a 2xx, ACKed; the
    media answer and the router's accept under way) → connected → ending (our BYE) → ended."""
    withdrawn: bool = False
    """The router no longer wants this leg (offer withdrawn, call ended or accepted elsewhere): CANCEL it, or
    BYE it once it answers."""
    addr: tuple[str, int] | None = None
    invite: InviteClient | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    """The INVITE's Via, From, To, Call-ID and CSeq (a CANCEL copies them)."""
    to_tag: str | None = None
    remote_target: str = ""
    ack: bytes = b""
    cseq: int = 1
    cancelled: bool = False
    early: bool = False

    @property
    def route_id(self) -> str:
        return self.call.route_id

    def invite_request(self, host: str, port: int, body: bytes) -> tuple[bytes, str]:
        """The INVITE (its headers kept for the CANCEL and the ACK of a non-2xx) and its branch. The caller's
        user part is shown in From when it is plain; our Contact is the router."""
        branch, via = _via(host, port)
        caller = uri_user(self.call.invite.get("From") or "")
        self.headers = [("Via", via), ("From", f"<sip:{caller if SAFE_USER.match(caller) else 'anonymous'}@{host}>"
                                               f";tag={self.from_tag}"),
                        ("To", f"<{self.uri}>"), ("Call-ID", self.call_id), ("CSeq", "1 INVITE")]
        return request("INVITE", self.uri, [*self.headers, ("Max-Forwards", "70"),
                                             ("Contact", f"<sip:router@{host}:{port}>"), ("Allow", ALLOW)],
                       body), branch

    def confirm(self, answer: SipMessage, host: str, port: int) -> None:
        """The phone's first 2xx: its tag, its Contact (the dialog's remote target) and the ACK every 2xx gets
        (§13.2.2.4: a transaction of its own)."""
        self.to_tag = param(answer.get("To") or "", "tag")
        contact = answer.get("Contact") or ""
        self.remote_target = (contact.split("<", 1)[1].split(">", 1)[0] if "<" in contact
                              else contact.split(";", 1)[0].strip()) or self.uri
        _, via = _via(host, port)
        self.ack = request("ACK", self.remote_target, [
            ("Via", via), ("Max-Forwards", "70"), ("From", self.headers[1][1]), ("To", answer.get("To") or ""),
            ("Call-ID", self.call_id), ("CSeq", "1 ACK")])

    def cancel_request(self) -> tuple[bytes, str]:
        """The CANCEL of the INVITE (§9.1): its Request-URI, Via (branch), From, To, Call-ID and CSeq number."""
        via, from_, to, call_id, cseq = (value for _, value in self.headers)
        return request("CANCEL", self.uri, [("Via", via), ("Max-Forwards", "70"), ("From", from_), ("To", to),
                                            ("Call-ID", call_id), ("CSeq", f"{cseq.split()[0]} CANCEL")]), \
            param(via, "branch") or ""

    def bye_request(self, host: str, port: int) -> tuple[bytes, str]:
        """A BYE in the dialog, to its remote target, with the next CSeq."""
        self.cseq += 1
        branch, via = _via(host, port)
        return request("BYE", self.remote_target, [
            ("Via", via), ("Max-Forwards", "70"), ("From", self.headers[1][1]),
            ("To", f"<{self.uri}>;tag={self.to_tag}"), ("Call-ID", self.call_id),
            ("CSeq", f"{self.cseq} BYE")]), branch
