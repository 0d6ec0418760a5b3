"""The SIP front: a user-agent server over UDP that takes calls from a trunk into the router (RFC 3261 subset).

A call's life: INVITE → admission (503 with Retry-After, or 486 by the queue's choice, while the node is
overloaded: admission.py) → the router queues the call (486 Busy Here when the queue is full, 503 when the front
holds ``max_calls`` calls, 404 for a number no queue answers, 488 without a common codec) → 180 Ringing at once
while it waits → 200 OK with an SDP answer when an agent accepts → ACK. The caller's BYE (or CANCEL before
the answer, answered by 200 and then 487 for the INVITE) ends the call; an agent's hang-up sends the caller a BYE.

Agents' phones REGISTER here too: registrar.py answers them (digest authentication, bindings per agent). An offer
to an agent with a phone rings it (b2bua.py, this front's back-to-back agent): the phone's 200 is the accept, and
the caller is answered with the phone's SDP; requests and responses of the phones' dialogs go to it.

Over UDP the front owns reliability (§17.2.1, §13.3.1.4): transport.py repeats answers and final responses
and our BYEs, and answers what cannot be read; an unacknowledged 200 ends the call with a BYE. Nothing a peer
sends stops the server.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import uuid
from collections import Counter

from casashore.route.media import MediaAnchor
from casashore.route.media.direct import DirectMedia
from casashore.route.service import RouterService
from casashore.route.sip import sdp
from casashore.route.sip.admission import PROBE_EVERY_S, Admission
from casashore.route.sip.b2bua import B2bua
from casashore.route.sip.call import SipCall
from casashore.route.sip.message import (
    MAX_MESSAGE_BYTES,
    SipMessage,
    SipParseError,
    param,
    parse,
    response,
    transaction_key,
    uri_user,
)
from casashore.route.sip.registrar import Registrar
from casashore.route.sip.transactions import Remembered
from casashore.route.sip.transport import SipTransport
from casashore.route.state.call_ids import router_id
from casashore.route.state.errors import CallExists
from casashore.route.state.shared_router import HEARTBEAT_S

log = logging.getLogger("casashore.sip")
ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER"
RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024
TAKE_OVER_RETRY_S = 0.5
"""A re-sent INVITE whose node still has a heartbeat is asked about again this often."""
OWNER_ANSWERED_S = HEARTBEAT_S + 1.0
"""A node seen answering a re-sent call this long is alive (a dead one's heartbeat expires sooner)."""
RETRY_AFTER_S = 5
"""Retry-After of a 503 (the front full, or overloaded): a proxy sends the call to another node meanwhile."""
MAX_TRANSACTIONS = 10_000
"""Finished transactions remembered at most (INVITE and non-INVITE apart), beyond the calls in progress; past it
the oldest are forgotten early. With messages of at most 8 KiB and INVITEs kept slim, a flood costs bounded
memory whatever its rate."""


class SipFront(asyncio.DatagramProtocol):
    def __init__(self, service: RouterService, host: str, port: int, numbers: dict[str, str], *,
                 max_calls: int = 10_000, t1_s: float = 0.5, t2_s: float = 4.0, rtp_port: int = 40_000,
                 ring_refresh_s: float = 0.0, max_transactions: int = MAX_TRANSACTIONS,
                 registrar: Registrar | None = None, overload_delay_s: float = 0.0,
                 overload_answers: dict[str, int] | None = None, probe_every_s: float = PROBE_EVERY_S,
                 media: MediaAnchor | None = None) -> None:
        """``numbers``: the dialled user part (``sip:fr@…`` or ``sip:+33…@…``) → queue. ``max_transactions``:
        finished transactions remembered at most (each kind), beyond the calls in progress. ``registrar``:
        agents' phones (sip/registrar.py); without one, no account: every REGISTER is refused.
        ``overload_delay_s``: new calls are refused while datagrams wait this long to be read (0: never);
        ``overload_answers``: queue → 503 (the default) or 486, the refusal its callers get then;
        ``probe_every_s``: how often the delay is measured (0: never; tests set it, admission.py);
        ``media``: where the audio of calls answered by agents' phones flows (direct media by default)."""
        self.service, self.host, self.port, self.numbers = service, host, port, numbers
        self.admission = Admission(overload_delay_s)
        self.overload_answers = overload_answers or {}
        self.probe_every_s = probe_every_s
        self.max_calls, self.rtp_port = max_calls, rtp_port
        self.ring_refresh_s = ring_refresh_s
        self.counters: Counter = Counter()
        self.transport = SipTransport(host, port, self.counters, t1_s=t1_s, t2_s=t2_s,
                                      max_transactions=max_transactions)
        self.calls: dict[str, SipCall] = {}
        """router id -> the call this front signals."""
        self.invites: Remembered[SipCall] = Remembered(
            64 * t1_s, max_transactions, in_use=self._in_progress, on_forget=SipTransport.stop_retransmit)
        """INVITE server transactions (transaction_key) -> their call."""
        self._ids = itertools.count(1)
        self.registrar = registrar or Registrar({}, service.registrations)
        service.subscribers.append(self._router_events)
        self.b2bua = B2bua(self, media or DirectMedia())
        """Rings agents' phones (after this front's own handling of each router event)."""

    def _in_progress(self, call: SipCall) -> bool:
        return self.calls.get(call.route_id) is call or call.state == "proceeding"

    # -- transport ------------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport.datagrams = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.admission.returned(data, self.transport.now()):
            return  # our own probe, back through the receive queue
        self.message_received(data, addr)

    def message_received(self, data: bytes, addr: tuple[str, int]) -> None:
        """One message, from a datagram or framed off a TLS stream (sip/tls.py; its answers go back there)."""
        self.counters["received"] += 1
        try:
            self._expire()
            if len(data) > MAX_MESSAGE_BYTES:  # dropped unread: a peer's padding costs nothing here
                self.counters["oversized"] += 1
                return
            if data.strip() == b"":
                return  # keep-alive (RFC 5626 CRLF pings)
            try:
                message = parse(data)
            except SipParseError as exc:
                self.transport.unreadable(data, addr, exc)
                return
            if message.is_request:
                self._request(message, addr, len(data))
            elif not self.b2bua.response(message, addr):
                self.transport.response_received(message, addr)
            else:
                self.counters[f"in_{message.status}"] += 1
        except Exception:  # a peer must never stop the front; the event is logged and counted
            self.counters["internal_errors"] += 1
            log.exception("SIP message from %s:%s not handled", *addr)

    def error_received(self, exc: Exception) -> None:
        self.counters["transport_errors"] += 1

    # -- requests -------------------------------------------------------------------------------------
    def _request(self, message: SipMessage, addr: tuple[str, int], size: int) -> None:
        method = message.method
        self.counters[f"in_{method}"] += 1
        if method not in ("INVITE", "ACK") and self.transport.repeat_answer(message, addr):
            return
        if method != "REGISTER" and self.b2bua.request(message, addr):
            return  # within the dialog of an agent's phone
        if method == "INVITE":
            self._invite(message, addr, size)
        elif method == "ACK":
            self._ack(message, addr)
        elif method == "CANCEL":
            self._cancel(message, addr)
        elif method == "BYE":
            self._bye(message, addr)
        elif method == "REGISTER":
            self.transport.answer(message, addr, *self.registrar.handle(message, addr))
        elif method == "OPTIONS":
            self.transport.answer(message, addr, 200, extra=[("Allow", ALLOW)])
        else:
            self.transport.answer(message, addr, 405, extra=[("Allow", ALLOW)])

    def _invite(self, invite: SipMessage, addr, size: int) -> None:
        key = transaction_key(invite)
        call = self.invites.get(key)
        if call is not None:  # a retransmission: the last response again
            call.received += size
            if call.last_response:
                self.transport.send(call.last_response, addr, call)
            return
        route_id = router_id(invite.call_id)
        existing = self.calls.get(route_id)
        if existing is not None:  # a re-INVITE (session refresh, hold): same answer, same dialog
            self._reinvite(existing, invite, addr)
            return
        # No 100 Trying: every INVITE gets its 180 or final answer at once (§8.2.6.1 asks for a 100 only after
        # 200 ms), and one answer per INVITE keeps a spoofed source from being sent more than it sent.
        call = SipCall(invite.call_id, route_id, invite.slim(), addr, uuid.uuid4().hex[:10], received=size)
        self.invites.put(key, call, self.transport.now())
        queue = self.numbers.get(uri_user(invite.uri))
        if queue is None:
            self._reject(call, 404)
            return
        if self.admission.overloaded(self.transport.now()):  # refused before the routing state is touched
            refusal = self.overload_answers.get(queue, 503)
            self.counters[f"overload_{refusal}"] += 1
            self._reject(call, refusal, extra=[("Retry-After", str(RETRY_AFTER_S))] if refusal == 503 else [])
            return
        if len(self.calls) >= self.max_calls:
            self._reject(call, 503, extra=[("Retry-After", str(RETRY_AFTER_S))])
            return
        try:
            sdp.answer(invite.body, self.host, self.rtp_port, 1)
        except sdp.NoCommonCodec:
            self._reject(call, 488)
            return
        router = self.service.router
        self.calls[route_id] = call
        try:
            queued = router.arrive(route_id, queue, self.service.now(), trunk_call_id=invite.call_id)
        except CallExists:
            self.calls.pop(route_id)
            self._take_over(call)
            return
        if queued:
            self._respond(call, 180)
            self._ring_refresh(call)
        else:
            self.calls.pop(route_id)
            self._reject(call, 486)
        self.service.publish_soon()

    def _take_over(self, call: SipCall, answered_for_s: float = 0.0) -> None:
        """A Call-ID the centre knows: a dead node's caller, re-sent here by the dispatcher, is taken over (its
        place in the queue kept; answered here at once if an agent took it through another node meanwhile).
        A dispatcher also re-sends the INVITE of a node that is only slow: while that node's heartbeat lives,
        the caller rings here (180 each TAKE_OVER_RETRY_S, so the dispatcher keeps this leg) and we ask again,
        until the node dies (we take the call over), answers the call and lives on past a heartbeat's life (its
        200 reaches the caller through the dispatcher: this leg goes silent) or the call ends. Anything else (a
        finished call's Call-ID used again, one node in memory) gets 481. The call joins ``self.calls`` only
        once taken over."""
        if call.state != "proceeding":  # the caller cancelled meanwhile
            return
        adopt = getattr(self.service.router, "adopt", None)
        outcome = "refused" if adopt is None else adopt(call.route_id, self.service.now())
        if outcome == "owner_answered" and answered_for_s >= OWNER_ANSWERED_S:
            call.state = "completed"  # its node lived on after answering: its 200 is the caller's
            self.counters["left_to_owner"] += 1
            return
        if outcome in ("owner_alive", "owner_answered"):  # (a node that answered and died: wait for the heartbeat)
            if call.last_response:  # asked again: the 180 is repeated within the address's budget
                self.transport.send(call.last_response, call.addr, call, repeat=True)
            else:
                self._respond(call, 180)
            answered_for_s = answered_for_s + TAKE_OVER_RETRY_S if outcome == "owner_answered" else 0.0
            call.retransmit = asyncio.get_running_loop().call_later(TAKE_OVER_RETRY_S, self._take_over, call,
                                                                    answered_for_s)
            return
        if outcome == "refused":
            self._reject(call, 481)
            return
        self.calls[call.route_id] = call
        self.counters["adopted"] += 1
        if outcome == "answered":
            self._answer(call)
        else:
            self._respond(call, 180)
            self._ring_refresh(call)
        self.service.publish_soon()

    def _ring_refresh(self, call: SipCall) -> None:
        """While the caller waits, 180 again every ``ring_refresh_s``: a proxy in front (Kamailio with
        restart_fr_on_each_reply) then gives up on a node that stopped ringing — a dead one — within seconds,
        and re-sends the INVITE to another node, without cutting calls that wait long for an agent. 0: off."""
        if self.ring_refresh_s <= 0:
            return

        def again() -> None:
            if call.state == "proceeding" and self.calls.get(call.route_id) is call:
                self.transport.send(call.last_response, call.addr, call, repeat=True)
                call.retransmit = asyncio.get_running_loop().call_later(self.ring_refresh_s, again)

        call.retransmit = asyncio.get_running_loop().call_later(self.ring_refresh_s, again)

    def _in_dialog(self, call: SipCall, request: SipMessage, addr) -> bool:
        """Whether a request within a call's dialog is the caller's (§12.2.2): the Call-ID (already matched),
        the caller's From tag, our To tag; and from the host the INVITE came from (the trunk or the proxy in
        front sends the whole dialog; another host is refused whatever it knows). Answers 481 or 403 when
        not."""
        tags = (param(request.get("From") or "", "tag"), param(request.get("To") or "", "tag"))
        if tags != (param(call.invite.get("From") or "", "tag"), call.to_tag):
            self.counters["dialog_mismatch"] += 1
            self.transport.answer(request, addr, 481)
            return False
        if addr[0] != call.addr[0]:
            self.counters["dialog_foreign_host"] += 1
            self.transport.answer(request, addr, 403)
            return False
        return True

    def _reinvite(self, call: SipCall, invite: SipMessage, addr) -> None:
        tags = (param(invite.get("From") or "", "tag"), param(invite.get("To") or "", "tag"))
        if tags != (param(call.invite.get("From") or "", "tag"), call.to_tag) or addr[0] != call.addr[0]:
            self.counters["dialog_mismatch"] += 1
            self.transport.send(response(invite, 481), addr)
            return
        if call.state != "confirmed":
            self.transport.send(response(invite, 491, to_tag=call.to_tag), addr)
            return
        body = call.answer_sdp or sdp.answer(invite.body, self.host, self.rtp_port, 2)  # (a refresh: the same)
        self.transport.send(response(invite, 200, to_tag=call.to_tag, extra=self._contact(addr), body=body), addr)

    def _ack(self, ack: SipMessage, addr) -> None:
        """The ACK of a non-2xx answer is in the INVITE's transaction (§17.2.3); the ACK of a 200 is a request
        of its own within the dialog, matched by Call-ID and tags. Either carries our To tag, so it shows the
        address receives what we send (verified). A stray or foreign ACK is dropped (an ACK answers nothing)."""
        ours = param(ack.get("To") or "", "tag")
        call = self.invites.get(transaction_key(ack, "INVITE"))
        if call is None or call.state != "completed":  # the ACK of a 200: in the dialog, both tags must match
            call = self.calls.get(router_id(ack.call_id))
            if call is None or (param(ack.get("From") or "", "tag"), ours) != (
                    param(call.invite.get("From") or "", "tag"), call.to_tag) or addr[0] != call.addr[0]:
                self.counters["stray_ack"] += 1
                return
        if ours == call.to_tag:  # it received our answer
            self.transport.verify(addr)
        self.transport.stop_retransmit(call)
        if call.state == "answered":
            call.state = "confirmed"
        elif call.state == "completed":
            call.state = "ended"

    def _cancel(self, cancel: SipMessage, addr) -> None:
        """A CANCEL names its INVITE by the INVITE's transaction (branch, sent-by; or the RFC 2543 fields) and
        carries the same Call-ID; anything less gets 481 and cancels nothing."""
        call = self.invites.get(transaction_key(cancel, "INVITE"))
        if call is None or call.call_id != cancel.call_id:
            self.transport.answer(cancel, addr, 481)
            return
        self.transport.answer(cancel, addr, 200)
        if call.state == "proceeding":  # the caller gives up before the answer
            self._reject(call, 487)
            self._caller_left(call)

    def _bye(self, bye: SipMessage, addr) -> None:
        call = self.calls.get(router_id(bye.call_id))
        if call is None:
            self._foreign_bye(bye, addr)
            return
        if not self._in_dialog(call, bye, addr):
            return
        self.transport.answer(bye, addr, 200)
        self.transport.stop_retransmit(call)
        call.state = "ended"
        self._caller_left(call)

    def _foreign_bye(self, bye: SipMessage, addr) -> None:
        """A BYE for a call this node does not signal: with several nodes, the dispatcher sends it here when
        the call's node is gone; the centre still knows the call, so its caller's hang-up ends it."""
        route_id = router_id(bye.call_id)
        routed = self.service.router.calls.get(route_id) if hasattr(self.service.router, "adopt") else None
        if routed is None or routed.state == "ended":
            self.transport.answer(bye, addr, 481)
            return
        self.transport.answer(bye, addr, 200)
        if routed.callback_number is None:
            self.service.router.hang_up(route_id, self.service.now())
            self.service.publish_soon()
        self.counters["foreign_bye"] += 1

    def _caller_left(self, call: SipCall) -> None:
        """The caller's leg is over: abandoned or the end of the conversation in the router — unless the caller
        asked to be called back, in which case the call keeps its place."""
        self.calls.pop(call.route_id, None)
        routed = self.service.router.calls.get(call.route_id)
        if routed is not None and routed.state != "ended" and routed.callback_number is None:
            self.service.router.hang_up(call.route_id, self.service.now())
            self.service.publish_soon()

    # -- responses we send ----------------------------------------------------------------------------
    def _contact(self, addr: tuple[str, int]) -> list[tuple[str, str]]:
        return [("Contact", self.transport.contact(addr)), ("Allow", ALLOW)]

    def _respond(self, call: SipCall, status: int, extra=(), body: bytes = b"") -> None:
        extra = list(extra) + (self._contact(call.addr) if status in (180, 183, 200) else [])
        call.last_response = response(call.invite, status, to_tag=call.to_tag, extra=extra, body=body)
        self.transport.send(call.last_response, call.addr, call)
        self.counters[f"out_{status}"] += 1

    def _reject(self, call: SipCall, status: int, extra=()) -> None:
        """A final non-2xx answer to the INVITE, repeated until the ACK."""
        call.state = "completed"
        self.calls.pop(call.route_id, None)
        self._respond(call, status, extra)
        self.transport.retransmit_final(call, self._give_up)

    def _answer(self, call: SipCall) -> None:
        body = call.answer_sdp or sdp.answer(call.invite.body, self.host,
                                             self.rtp_port + 2 * (next(self._ids) % 10_000), 1)
        call.state = "answered"
        self._respond(call, 200, body=body)
        self.transport.retransmit_final(call, self._give_up)

    def early_media(self, call: SipCall, body: bytes) -> None:
        """The agent's phone sent early media (a 183 with SDP): the caller hears it instead of the ringing."""
        if call.state == "proceeding" and self.calls.get(call.route_id) is call:
            self._respond(call, 183, body=body)

    def _give_up(self, call: SipCall) -> None:
        """No ACK in 64·T1: a non-2xx transaction just ends; an unacknowledged 200 ends the call (§13.3.1.4)."""
        self.counters["no_ack"] += 1
        if call.state == "answered":
            self.transport.send_bye(call)
            self._caller_left(call)
        call.state = "ended"

    # -- the router's side ----------------------------------------------------------------------------
    def _router_events(self, events) -> None:
        for _, event, subject, _ in events:
            call = self.calls.get(subject)
            if call is None:
                continue
            if event == "answered" and call.state == "proceeding":
                self._answer(call)
            elif event == "ended" and call.state == "proceeding":  # ended by a supervisor while ringing
                self.calls.pop(subject, None)
                self._reject(call, 480)
            elif event == "ended" and call.state in ("answered", "confirmed"):  # the agent hung up
                self.transport.stop_retransmit(call)
                call.state = "ended"
                self.calls.pop(subject, None)
                self.transport.send_bye(call)

    # -- housekeeping ---------------------------------------------------------------------------------
    def send_probe(self) -> None:
        """A probe to our own socket, behind the datagrams waiting there (admission.py measures its trip)."""
        datagrams = self.transport.datagrams
        if datagrams is None or datagrams.is_closing():
            return
        host, port = datagrams.get_extra_info("sockname")[:2]
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # a wildcard socket hears its loopback
        datagrams.sendto(self.admission.probe(self.transport.now()), (host, port))

    def _probe_periodically(self) -> None:
        datagrams = self.transport.datagrams
        if self.probe_every_s <= 0 or datagrams is None or datagrams.is_closing():
            return
        self.send_probe()
        asyncio.get_running_loop().call_later(self.probe_every_s, self._probe_periodically)

    def _expire(self) -> None:
        """Forget finished transactions (their retransmission window is over)."""
        now = self.transport.now()
        self.invites.expire(now)
        self.transport.expire(now)


async def start_sip(service: RouterService, host: str, port: int, numbers: dict[str, str],
                    **options) -> tuple[asyncio.DatagramTransport, SipFront]:
    loop = asyncio.get_running_loop()
    front = SipFront(service, host, port, numbers, **options)
    transport, _ = await loop.create_datagram_endpoint(lambda: front, local_addr=(host, port))
    # Room for a burst of datagrams while the loop waits on Redis (the kernel caps it at net.core.rmem_max)
    transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
    front._probe_periodically()
    return transport, front
