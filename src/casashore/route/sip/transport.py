"""The SIP front's transport and transaction layers over UDP (RFC 3261 §17, §18): what makes UDP reliable.

A retransmitted non-INVITE request gets the last response again (§17.2.2); final responses to an INVITE are
repeated (Timer G: T1, 2·T1 … capped at T2) until the ACK and given up after 64·T1 (Timer H, §17.2.1, §13.3.1.4);
our BYEs are repeated the same way until answered. Finished transactions are remembered for 64·T1 to absorb late
retransmissions. A message that cannot be read gets a 400 when it carries what a response needs (§21.4.1).

Repetitions the front sends on its own are bounded for an address that has not shown it receives what we send
(an ACK with our tag, a response to our BYE): never more bytes than the call's address sent, so a spoofed source
cannot turn the front into an amplifier. The dialog and call handling above this layer is front.py.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable, Sequence

from casashore.route.sip.call import SipCall
from casashore.route.sip.message import SipMessage, SipParseError, parse, request, response, transaction_key
from casashore.route.sip.tls import StreamAddress, TlsListener
from casashore.route.sip.transactions import Remembered

ANSWER_HEADERS = (b"via:", b"v:", b"from:", b"f:", b"to:", b"t:", b"call-id:", b"i:", b"cseq:")
"""The headers a response to a request that could not be read copies (§8.2.6.2)."""
VERIFIED_FOR_S = 3600.0
"""How long an address that answered us stays verified (full retransmissions, not bounded by what it sent)."""


class SipTransport:
    def __init__(self, host: str, port: int, counters: Counter, *, t1_s: float, t2_s: float,
                 max_transactions: int) -> None:
        """``host``/``port``: where the front listens (our Via); ``counters``: the front's, counted into here."""
        self.host, self.port, self.counters = host, port, counters
        self.t1_s, self.t2_s = t1_s, t2_s
        self.datagrams: asyncio.DatagramTransport | None = None
        self.answered_requests: Remembered[bytes] = Remembered(64 * t1_s, max_transactions)
        """Finished non-INVITE transactions -> the response to repeat on retransmission."""
        self.our_byes: dict[str, SipCall] = {}
        """The branch of each BYE we sent and are repeating -> its call."""
        self.verified: Remembered[bool] = Remembered(VERIFIED_FOR_S, max_transactions)
        """Addresses that showed they receive what we send (an ACK with our tag, a response to our BYE)."""
        self.streams: TlsListener | None = None
        """SIP over TLS (sip/tls.py), when listening: a StreamAddress is answered on its connection."""
        self.tls_port = 0

    @staticmethod
    def now() -> float:
        return asyncio.get_running_loop().time()

    def expire(self, now: float) -> None:
        """Forget finished transactions and verifications whose time is over."""
        for remembered in (self.answered_requests, self.verified):
            remembered.expire(now)

    # -- sending --------------------------------------------------------------------------------------
    def send(self, data: bytes, addr: tuple[str, int], call: SipCall | None = None, repeat: bool = False) -> bool:
        """Send a datagram. ``repeat``: one the front sends on its own (a retransmission, a refreshed 180), not
        an answer to a datagram received: to an address not yet verified, such repetitions stop once the call
        has been sent as many bytes as it sent (the front must not amplify a spoofed source's traffic)."""
        if isinstance(addr, StreamAddress):  # a TLS peer proved its address by its handshake: no budget
            if self.streams is None or not self.streams.send(data, addr):
                self.counters["tls_lost"] += 1
                return False
            self.counters["sent"] += 1
            return True
        if repeat and call is not None and addr not in self.verified and call.sent + len(data) > call.received:
            self.counters["repeats_withheld"] += 1
            return False
        if self.datagrams is not None and not self.datagrams.is_closing():  # timers may outlive the socket
            self.datagrams.sendto(data, addr)
            self.counters["sent"] += 1
            if call is not None:
                call.sent += len(data)
        return True

    def contact(self, addr: tuple[str, int]) -> str:
        """Our Contact for a peer: where its requests in the dialog must come (on TLS for a TLS peer)."""
        if isinstance(addr, StreamAddress):
            return f"<sip:router@{self.host}:{self.tls_port};transport=tls>"
        return f"<sip:router@{self.host}:{self.port}>"

    def verify(self, addr: tuple[str, int]) -> None:
        self.verified.put(addr, True, self.now())

    def unreadable(self, data: bytes, addr: tuple[str, int], exc: SipParseError) -> None:
        """A 400 (or 505) when the request has the headers a response needs; otherwise silence (§21.4.1)."""
        self.counters["malformed"] += 1
        try:  # the start line and the headers a response copies, nothing else (not the lines at fault)
            first, *rest = data.split(b"\r\n\r\n")[0].split(b"\r\n")
            lines = [first] + [line for line in rest if line.lower().replace(b" ", b"").startswith(ANSWER_HEADERS)]
            rough = parse(b"\r\n".join(lines).replace(b"SIP/3.0", b"SIP/2.0") + b"\r\nContent-Length: 0\r\n\r\n")
        except SipParseError:
            return
        if rough.is_request and rough.method != "ACK":
            self.send(response(rough, exc.status, extra=[("Warning", f'399 casashore "{exc}"'[:200])]), addr)

    # -- non-INVITE server transactions (§17.2.2) -----------------------------------------------------
    def repeat_answer(self, message: SipMessage, addr: tuple[str, int]) -> bool:
        """A retransmitted non-INVITE request: its answer again (True), or False for a new one."""
        repeat = self.answered_requests.get(self._answered_key(message))
        if repeat is None:
            return False
        self.send(repeat, addr)
        return True

    def answer(self, message: SipMessage, addr: tuple[str, int], status: int,
               extra: Sequence[tuple[str, str]] = ()) -> None:
        """Answer a non-INVITE request and remember the answer for its retransmissions."""
        data = response(message, status, to_tag=uuid.uuid4().hex[:10], extra=list(extra))
        self.send(data, addr)
        self.answered_requests.put(self._answered_key(message), data, self.now())

    @staticmethod
    def _answered_key(message: SipMessage) -> tuple:
        """A non-INVITE transaction, and its Call-ID: a request that reuses another caller's branch is not
        taken for its retransmission (and cannot make it one)."""
        return (*transaction_key(message), message.call_id)

    # -- INVITE server transactions: the final response until the ACK ---------------------------------
    def retransmit_final(self, call: SipCall, give_up: Callable[[SipCall], None]) -> None:
        """Timer G: repeat the final response at T1, 2·T1 … (at most T2 apart) until the ACK; Timer H: give
        up 64·T1 after the first sending (``give_up(call)``)."""
        loop = asyncio.get_running_loop()

        def again(wait: float, elapsed: float) -> None:
            if call.state not in ("answered", "completed"):
                return
            if elapsed >= 64 * self.t1_s:
                give_up(call)
                return
            # A 200 is repeated in full (Timer G, §13.3.1.4): only an agent's accept sends one, so it cannot be
            # drawn at a flood's rate; non-2xx answers are repeated within an unverified address's budget, and
            # not at all on TLS (a reliable transport: §17.2.1, no Timer G).
            repeated = call.state == "answered" or not isinstance(call.addr, StreamAddress)
            if repeated and self.send(call.last_response, call.addr, call, repeat=call.state != "answered"):
                self.counters["retransmitted"] += 1
            following = min(2 * wait, self.t2_s)
            call.retransmit = loop.call_later(following, again, following, elapsed + following)

        call.retransmit = loop.call_later(self.t1_s, again, self.t1_s, self.t1_s)

    @staticmethod
    def stop_retransmit(call: SipCall) -> None:  # (also what forgetting a transaction does)
        if call.retransmit is not None:
            call.retransmit.cancel()
            call.retransmit = None

    # -- our BYE, a client transaction: repeated until answered ---------------------------------------
    def send_bye(self, call: SipCall) -> None:
        """Our BYE to the caller (§15.1.1), repeated until a response or 64·T1."""
        invite = call.invite
        call.cseq += 1
        branch = "z9hG4bK" + uuid.uuid4().hex[:16]
        target = invite.get("Contact") or invite.get("From") or ""
        uri = target.split("<", 1)[1].split(">", 1)[0] if "<" in target else target.split(";")[0].strip()
        via = (f"SIP/2.0/TLS {self.host}:{self.tls_port}" if isinstance(call.addr, StreamAddress)
               else f"SIP/2.0/UDP {self.host}:{self.port}")
        data = request("BYE", uri, [
            ("Via", f"{via};branch={branch};rport"), ("Max-Forwards", "70"),
            ("From", f"{invite.get('To')};tag={call.to_tag}"), ("To", invite.get("From") or ""),
            ("Call-ID", call.call_id), ("CSeq", f"{call.cseq} BYE")])
        self.counters["out_BYE"] += 1
        self.send(data, call.addr, call)
        call.byes[branch] = None
        self.our_byes[branch] = call
        loop = asyncio.get_running_loop()

        def again(wait: float, elapsed: float) -> None:
            if branch not in call.byes or elapsed >= 64 * self.t1_s:
                call.byes.pop(branch, None)
                self.our_byes.pop(branch, None)
                return
            if not isinstance(call.addr, StreamAddress):  # TLS is reliable: sent once (no Timer E, §17.1.2.2)
                self.send(data, call.addr, call, repeat=True)
            call.byes[branch] = loop.call_later(min(2 * wait, self.t2_s), again, min(2 * wait, self.t2_s),
                                                elapsed + wait)

        call.byes[branch] = loop.call_later(self.t1_s, again, self.t1_s, self.t1_s)

    def response_received(self, message: SipMessage, addr: tuple[str, int]) -> None:
        """Responses to our BYEs stop their retransmission (matched by our branch and the CSeq method)."""
        self.counters[f"in_{message.status}"] += 1
        call = self.our_byes.get(message.branch)
        if call is None or message.cseq[1] != "BYE" or addr[0] != call.addr[0]:
            return
        self.verify(addr)
        if message.status >= 200:
            self.our_byes.pop(message.branch, None)
            timer = call.byes.pop(message.branch, None)
            if timer is not None:
                timer.cancel()
