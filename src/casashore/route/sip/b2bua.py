"""The back-to-back user agent: an offer rings the agent's phone, the phone's answer connects the caller.

When the router offers a call this front signals to an agent whose phone it knows (a registration, else a fixed
contact: state/registrations.py, ``target_of``), the B2BUA INVITEs the phone on a dialog of its own (its own
Call-ID, From tag, CSeq and branch; RFC 3261 §8.1, §12.1.2) with the caller's SDP, passed through the media
anchor (route/media/). Meanwhile the caller hears the 180 the front sent when the call was queued, or the phone's
early media (a 183 with its SDP, forwarded once). The phone's 200 OK is acknowledged (the ACK of a 2xx is the
dialog's, §13.2.2.4), its SDP passed through the anchor's ``answer``, and the router's accept runs — the same
rule as the desktop's accept — after which the front answers the caller 200 OK with that SDP. When the anchor
records the call, the file it records to is set on the router's call once the offer is anchored
(``Router.set_recording``), so the call's record names it.

Ring-no-answer: the phone answers 486/600 (busy), 603 (declined), 480, 408, 5xx or anything else final, or
never answers the INVITE at all (Timer B: unreachable): ``Router.miss`` withdraws the offer and counts a missed
offer (max_missed in a row set the agent not-responding, as timeouts do), and the router offers the call to the
next agent, which rings that agent's phone; the caller keeps ringing. A phone that rings past the agent's
``offer_timeout_s`` is withdrawn by the router's tick, and the B2BUA CANCELs it.

Either side's end ends the other: the caller's BYE or CANCEL ends the call in the router, whose ``ended`` event
makes the B2BUA BYE a connected phone or CANCEL a ringing one; the phone's BYE is answered 200 and ends the
call, whose ``ended`` event makes the front BYE the caller.

Races (each one a test in tests/test_route_b2bua.py): a phone's 200 after the router gave up on it (offer
withdrawn, caller gone, CANCEL crossing the 200) is ACKed then BYEd; a CANCEL is sent only once the phone
sent a provisional response (§9.1), so an offer withdrawn before that waits for it (or Timer B); an offer the
desktop accepts while the phone rings hangs up the phone (the caller is answered as for agents without one).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import uuid
from typing import TYPE_CHECKING, Protocol

from casashore.route.media import MediaAnchor
from casashore.route.sip.agent_leg import AgentLeg
from casashore.route.sip.message import SipMessage, param, response
from casashore.route.sip.uac import TIMER_D_S, InviteClient, NonInviteClient, Timers

if TYPE_CHECKING:
    from collections import Counter

    from casashore.route.service import RouterService
    from casashore.route.sip.call import SipCall
    from casashore.route.sip.transport import SipTransport


class SipFront(Protocol):
    """What the B2BUA uses of the SIP front that owns it: a protocol, since the front imports this module."""

    service: RouterService
    counters: Counter
    calls: dict[str, SipCall]
    host: str
    port: int
    transport: SipTransport

    def early_media(self, call: SipCall, body: bytes) -> None: ...

log = logging.getLogger("casashore.sip.b2bua")
MISSED_BECAUSE = {486: "busy", 600: "busy", 603: "declined", 480: "unavailable", 408: "no_answer"}
"""A phone's final refusal -> the reason in the ``withdrawn`` event (5xx: ``unreachable``; else ``refused_N``)."""


class _LoopTimers:
    @staticmethod
    def call_later(delay, callback, *args):
        return asyncio.get_running_loop().call_later(delay, callback, *args)


class B2bua:
    def __init__(self, front: SipFront, media: MediaAnchor, *, timers: Timers | None = None) -> None:
        self.front, self.media = front, media
        self.service = front.service
        self.timers: Timers = timers or _LoopTimers()
        self.counters = front.counters
        self.legs: dict[str, AgentLeg] = {}
        """The router's call id -> the leg ringing or connected for it now (one offer at a time)."""
        self.by_call_id: dict[str, AgentLeg] = {}
        """Our Call-ID -> every leg not yet forgotten (a withdrawn leg lives on until its phone is quiet)."""
        self.transactions: dict[tuple[str, str], tuple[AgentLeg, InviteClient | NonInviteClient]] = {}
        """(branch, method) of our requests -> the leg and the client transaction their responses go to."""
        self.anchored: dict[str, tuple[str, str]] = {}
        """Calls whose media went through ``media.offer`` -> the caller's Call-ID and From tag (``media.delete``
        when they end)."""
        self.recorded: set[str] = set()
        """Calls whose recording file the router's call names (forgotten when they end)."""
        self._tasks: set[asyncio.Task] = set()
        self.service.subscribers.append(self._router_events)

    # -- the router's events -----------------------------------------------------------------------------------
    def _router_events(self, events) -> None:
        for _, event, subject, detail in events:
            if event == "offered":
                self._offered(subject, detail)
                continue
            leg = self.legs.get(subject)
            if event == "ended":
                self.recorded.discard(subject)
            if event == "ended" and subject in self.anchored:
                self._spawn(self._delete_media(*self.anchored.pop(subject)))
            if leg is None:
                continue
            if (event == "withdrawn" and detail.split(":", 1)[0] == leg.agent_id or event == "ended"
                    or event == "answered" and leg.state != "connected"):  # (answered: from the desktop)
                self._withdraw(leg)

    def _offered(self, route_id: str, agent_id: str) -> None:
        call = self.front.calls.get(route_id)
        if call is None or call.state != "proceeding":
            return  # a call another node (or the API) signals
        target = self.service.registrations.target_of(agent_id)
        if target is None:
            return  # no phone: the agent accepts from the desktop
        previous = self.legs.pop(route_id, None)
        if previous is not None:
            self._withdraw(previous)
        leg = AgentLeg(call, agent_id, target[0], f"{uuid.uuid4().hex}@{self.front.host}", uuid.uuid4().hex[:10])
        self.legs[route_id] = leg
        self.by_call_id[leg.call_id] = leg
        self._spawn(self._ring(leg, target[1]))

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- ringing the phone -------------------------------------------------------------------------------------
    async def _ring(self, leg: AgentLeg, source: str | None) -> None:
        call = leg.call
        try:
            leg.addr = await self._address(leg.uri, source)
        except OSError:  # a host name that does not resolve: this phone cannot be reached
            log.warning("agent %s's phone %s not rung", leg.agent_id, leg.uri, exc_info=True)
            self._finish(leg)
            if not leg.withdrawn:
                self._missed(leg, "unreachable")
            return
        from_tag = param(call.invite.get("From") or "", "tag") or ""
        self.anchored[call.route_id] = (call.call_id, from_tag)
        try:
            body = await self.media.offer(call.call_id, from_tag, call.invite.body)
        except Exception:  # noqa: BLE001 - the anchor failed: no phone can take this call
            log.warning("media of %s not anchored: the call is ended", call.call_id, exc_info=True)
            self._finish(leg)
            self._media_failed(leg)
            return
        if call.route_id not in self.recorded:
            await self._keep_recording(call.route_id, call.call_id)
        if leg.withdrawn:
            self._finish(leg)
            return
        data, branch = leg.invite_request(self.front.host, self.front.port, body)
        leg.state = "calling"
        self.counters["out_agent_INVITE"] += 1
        leg.invite = InviteClient(data, leg.headers, leg.uri, lambda d: self._send(leg, d), self.timers,
                                  t1_s=self.front.transport.t1_s,
                                  on_response=lambda r: self._invite_response(leg, r),
                                  on_timeout=lambda: self._invite_timeout(leg))
        self.transactions[(branch, "INVITE")] = (leg, leg.invite)

    async def _keep_recording(self, route_id: str, call_id: str) -> None:
        """The file the anchor records the call to, kept on the router's call for its record (asked once per
        call: a call offered to the next agent keeps its file). A look-up that fails loses the reference, not
        the call."""
        try:
            path = await self.media.recording(call_id)
        except Exception:  # noqa: BLE001 - the call goes on; its record names no file
            log.warning("recording of %s not found", call_id, exc_info=True)
            return
        if path is not None and self.service.router.set_recording(route_id, path):
            self.recorded.add(route_id)

    @staticmethod
    async def _address(uri: str, source: str | None) -> tuple[str, int]:
        """Where the leg's datagrams go: a registration's source, else the URI's host and port (5060 when
        the URI names none; a host name is looked up, IPv4)."""
        if source is not None:
            host, _, port = source.rpartition(":")
            return host, int(port)
        hostport = uri.split(":", 1)[1].split(";", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
        host, _, port = hostport.rpartition(":") if not hostport.endswith("]") else (hostport, "", "")
        host, port = (host, int(port)) if host and port.isdigit() else (hostport, 5060)
        host = host.strip("[]")
        try:
            ipaddress.ip_address(host)
            return host, port
        except ValueError:
            found = await asyncio.get_running_loop().getaddrinfo(host, port, family=socket.AF_INET,
                                                                 type=socket.SOCK_DGRAM)
            return found[0][4][0], port

    def _send(self, leg: AgentLeg, data: bytes) -> None:
        if leg.addr is not None:
            self.front.transport.send(data, leg.addr)

    def _invite_response(self, leg: AgentLeg, answer: SipMessage) -> None:
        status = answer.status or 0
        if status < 200:
            if leg.state == "calling":
                leg.state = "ringing"
            if leg.withdrawn:
                self._cancel(leg)
            elif status == 183 and b"m=" in answer.body and not leg.early:
                leg.early = True
                self._spawn(self._early_media(leg, answer))
        elif status < 300:
            self._answered(leg, answer)
        else:  # ACKed by the transaction
            self._finish(leg)
            if not leg.withdrawn:
                because = MISSED_BECAUSE.get(status, "unreachable" if status >= 500 else f"refused_{status}")
                self._missed(leg, because)

    def _invite_timeout(self, leg: AgentLeg) -> None:
        """Timer B: the phone never answered the INVITE (unreachable, or its answers are lost)."""
        self._finish(leg)
        if not leg.withdrawn:
            self._missed(leg, "unreachable")

    async def _early_media(self, leg: AgentLeg, answer: SipMessage) -> None:
        call = leg.call
        try:
            body = await self.media.answer(call.call_id, param(call.invite.get("From") or "", "tag") or "",
                                           call.to_tag, answer.body)
        except Exception:  # noqa: BLE001 - the caller keeps hearing the 180
            log.warning("early media of %s not anchored", call.call_id, exc_info=True)
            return
        if not leg.withdrawn and leg.state == "ringing":
            self.front.early_media(call, body)

    def _answered(self, leg: AgentLeg, answer: SipMessage) -> None:
        first = leg.to_tag is None
        if first:
            leg.confirm(answer, self.front.host, self.front.port)
        elif param(answer.get("To") or "", "tag") != leg.to_tag:
            self.counters["agent_forked_2xx"] += 1  # a second phone of a forking proxy: not ours to take
            return
        self._send(leg, leg.ack)  # every 2xx, its retransmissions too (§13.2.2.4)
        if leg.state == "ended" and first:  # after Timer B or a CANCEL given up: too late, but it must hang up
            self.counters["agent_late_2xx"] += 1
            leg.state = "answering"
            self._bye(leg)
            return
        if leg.state not in ("calling", "ringing"):
            return
        leg.state = "answering"
        if leg.withdrawn:  # CANCEL crossed the 200, or the offer was withdrawn: the call is not this phone's
            self.counters["agent_late_2xx"] += 1
            self._bye(leg)
            return
        self._spawn(self._connect(leg, answer.body))

    async def _connect(self, leg: AgentLeg, sdp_answer: bytes) -> None:
        call = leg.call
        body = None
        if b"m=" in sdp_answer:
            try:
                body = await self.media.answer(call.call_id, param(call.invite.get("From") or "", "tag") or "",
                                               call.to_tag, sdp_answer)
            except Exception:  # noqa: BLE001 - the anchor failed: the phone is hung up and the call ended
                log.warning("media of %s not anchored: the call is ended", call.call_id, exc_info=True)
                self._bye(leg)
                self._media_failed(leg)
                return
        if leg.state != "answering":  # the phone hung up meanwhile
            if not leg.withdrawn:
                self._missed(leg, "hung_up")
            return
        if leg.withdrawn or body is None:  # (None: the phone answered without an SDP)
            self._bye(leg)
            if not leg.withdrawn:
                self._missed(leg, "no_media")
            return
        call.answer_sdp = body
        leg.state = "connected"
        if not self.service.router.accept(leg.agent_id, leg.route_id, self.service.now()):
            call.answer_sdp = None  # the offer is no longer theirs (withdrawn, the caller gone)
            leg.state = "answering"
            self.counters["agent_late_2xx"] += 1
            self._bye(leg)
            return
        self.counters["agent_answered"] += 1
        self.service.publish_soon()

    def _media_failed(self, leg: AgentLeg) -> None:
        """The media anchor failed (rtpengine down or refusing): not the agent's fault — a miss would pause every
        agent in turn — so the call is ended as a supervisor would (``cleared``: the caller gets 480 at once, not
        an endless ringing), the agent left free."""
        self.counters["media_failed"] += 1
        routed = self.service.router.calls.get(leg.route_id)
        if not leg.withdrawn and routed is not None and routed.state != "ended":
            self.service.router.hang_up(leg.route_id, self.service.now(), by="supervisor")
            self.service.publish_soon()

    def _missed(self, leg: AgentLeg, why: str) -> None:
        """The phone did not take the offer: withdrawn, counted missed, the call offered to the next agent."""
        if self.legs.get(leg.route_id) is leg:
            del self.legs[leg.route_id]
        self.counters[f"agent_{why}"] += 1
        if self.service.router.miss(leg.agent_id, leg.route_id, self.service.now(), why):
            self.service.publish_soon()

    # -- ending the leg ----------------------------------------------------------------------------------------
    def _withdraw(self, leg: AgentLeg) -> None:
        """The router no longer wants this leg: CANCEL it while it rings (once it has rung: §9.1), BYE it once
        connected; an INVITE not yet sent is not sent, one not yet answered is CANCELled at its first 1xx."""
        if self.legs.get(leg.route_id) is leg:
            del self.legs[leg.route_id]
        if leg.withdrawn:
            return
        leg.withdrawn = True
        if leg.state == "ringing":
            self._cancel(leg)
        elif leg.state == "connected":
            self._bye(leg)
        # starting, calling: see _ring and _invite_response; answering: _connect sees ``withdrawn``

    def _cancel(self, leg: AgentLeg) -> None:
        if leg.cancelled:
            return
        leg.cancelled = True
        data, branch = leg.cancel_request()
        self.counters["out_agent_CANCEL"] += 1
        t1 = self.front.transport.t1_s
        cancel = NonInviteClient(data, lambda d: self._send(leg, d), self.timers, t1_s=t1,
                                 t2_s=self.front.transport.t2_s, on_final=lambda _: None, on_timeout=lambda: None)
        self.transactions[(branch, "CANCEL")] = (leg, cancel)
        # §9.1: no final answer to the INVITE within 64·T1 of the CANCEL: the INVITE is given up
        self.timers.call_later(64 * t1, self._give_up_invite, leg)

    def _give_up_invite(self, leg: AgentLeg) -> None:
        if leg.state in ("calling", "ringing"):
            if leg.invite is not None:
                leg.invite.cancel_timers()
            self._finish(leg)

    def _bye(self, leg: AgentLeg) -> None:
        if leg.state in ("ending", "ended"):
            return
        leg.state = "ending"
        data, branch = leg.bye_request(self.front.host, self.front.port)
        self.counters["out_agent_BYE"] += 1
        bye = NonInviteClient(data, lambda d: self._send(leg, d), self.timers, t1_s=self.front.transport.t1_s,
                              t2_s=self.front.transport.t2_s, on_final=lambda _: self._finish(leg),
                              on_timeout=lambda: self._finish(leg))
        self.transactions[(branch, "BYE")] = (leg, bye)

    def _finish(self, leg: AgentLeg) -> None:
        """The leg is over; its transactions are kept for Timer D's 32 s (a retransmitted answer is ACKed
        again), then forgotten."""
        if self.legs.get(leg.route_id) is leg:
            del self.legs[leg.route_id]
        if leg.state == "ended":
            return
        leg.state = "ended"
        self.timers.call_later(TIMER_D_S, self._forget, leg)

    def _forget(self, leg: AgentLeg) -> None:
        if self.by_call_id.get(leg.call_id) is leg:
            del self.by_call_id[leg.call_id]
        for key in [key for key, (owner, _) in self.transactions.items() if owner is leg]:
            del self.transactions[key]

    async def _delete_media(self, call_id: str, from_tag: str) -> None:
        try:
            await self.media.delete(call_id, from_tag)
        except Exception:  # noqa: BLE001 - the anchor forgets it by its own timeout
            log.warning("media of %s not released", call_id, exc_info=True)

    # -- what the phones send ----------------------------------------------------------------------------------
    def response(self, answer: SipMessage, addr: tuple[str, int]) -> bool:
        """A response to one of our requests to a phone (True), or not ours (False: the front's)."""
        try:
            key = (answer.branch, answer.cseq[1])
        except ValueError:
            return False
        found = self.transactions.get(key)
        if found is None:
            return False
        leg, transaction = found
        if leg.addr is None or addr[0] != leg.addr[0] or answer.call_id != leg.call_id:
            self.counters["agent_foreign_response"] += 1
            return True
        transaction.receive(answer)
        return True

    def request(self, message: SipMessage, addr: tuple[str, int]) -> bool:
        """A request within a phone's dialog (True), or not one (False: the front's). The phone's BYE ends
        the call; a re-INVITE is refused (488: the session stays as it is)."""
        leg = self.by_call_id.get(message.call_id)
        if leg is None:
            return False
        transport = self.front.transport
        if message.method == "ACK":
            return True  # we are the client of this dialog: an ACK from the phone answers nothing
        tags = (param(message.get("From") or "", "tag"), param(message.get("To") or "", "tag"))
        if leg.to_tag is None or tags != (leg.to_tag, leg.from_tag):
            self.counters["dialog_mismatch"] += 1
            transport.answer(message, addr, 481)
            return True
        if leg.addr is None or addr[0] != leg.addr[0]:
            self.counters["dialog_foreign_host"] += 1
            transport.answer(message, addr, 403)
            return True
        if message.method == "INVITE":
            transport.send(response(message, 488), addr)
        elif message.method == "BYE":
            transport.answer(message, addr, 200)
            self._phone_hung_up(leg)
        else:
            transport.answer(message, addr, 405, extra=[("Allow", "ACK, BYE")])
        return True

    def _phone_hung_up(self, leg: AgentLeg) -> None:
        self.counters["agent_BYE"] += 1
        state = leg.state
        self._finish(leg)
        if state == "connected" and not leg.withdrawn:
            routed = self.service.router.calls.get(leg.route_id)
            if routed is not None and routed.state != "ended":
                self.service.router.hang_up(leg.route_id, self.service.now())
                self.service.publish_soon()
