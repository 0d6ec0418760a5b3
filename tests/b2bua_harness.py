"""A B2BUA over real UDP sockets on loopback for the tests (tests/test_route_b2bua.py, its rtpengine and shared
registrations siblings): the SIP front, the router in memory, a caller's socket and agents' phones as sockets the
test answers for, and the steps every call's story repeats (ring, ringing, answered, the caller's ACK and BYE)."""

from __future__ import annotations

import asyncio

from casashore.route.service import RouterService
from casashore.route.sip.front import start_sip
from casashore.route.sip.message import SipMessage, parse, response
from casashore.route.state.core import Router, RoutingQueue
from casashore.route.state.registrations import Registrations
from test_route_sip import OFFER, Call, Phone, header, status, until

PHONE_SDP = (b"v=0\r\no=phone 7 7 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
             b"m=audio 7078 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n")


class AgentPhone(asyncio.DatagramProtocol):
    """An agent's phone: what the router sends it, parsed, in a queue; ``reply`` answers a request."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.transport = None
        self.tag = "phonetag1"

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data, addr) -> None:
        self.inbox.put_nowait((parse(data), addr))

    async def next(self, method: str | None = None, timeout: float = 5.0) -> SipMessage:
        """The next request (of ``method``: other messages before it are skipped, retransmissions too)."""
        while True:
            message, self.router = await asyncio.wait_for(self.inbox.get(), timeout)
            if method is None or message.method == method:
                return message

    def reply(self, req: SipMessage, code: int, body: bytes = b"", contact: bool = True) -> None:
        extra = [("Contact", f"<sip:phone@127.0.0.1:{self.port}>")] if contact else []
        self.transport.sendto(response(req, code, to_tag=self.tag, extra=extra, body=body), self.router)

    async def next_response(self, timeout: float = 5.0) -> SipMessage:
        """The next response (the requests before it skipped: the router's ACK may come first)."""
        while True:
            message, _ = await asyncio.wait_for(self.inbox.get(), timeout)
            if message.method is None:
                return message

    def send_request(self, method: str, invite: SipMessage, cseq: int = 1) -> None:
        """A request in the dialog the router's INVITE made (the phone is its server)."""
        lines = [f"{method} sip:router@127.0.0.1 SIP/2.0",
                 f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bKphone{method}{cseq}",
                 f"From: {invite.get('To')};tag={self.tag}", f"To: {invite.get('From')}",
                 f"Call-ID: {invite.call_id}", f"CSeq: {cseq} {method}", "Content-Length: 0"]
        self.transport.sendto(("\r\n".join(lines) + "\r\n\r\n").encode(), self.router)

    @property
    def port(self) -> int:
        return self.transport.get_extra_info("sockname")[1]

    def empty(self) -> bool:
        return self.inbox.empty()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Anchor:
    """A media anchor that marks what passes (as rtpengine rewrites addresses) and records its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    async def offer(self, call_id, from_tag, sdp):
        self.calls.append(("offer", call_id, from_tag))
        return sdp.replace(b"s=-", b"s=anchored-offer")

    async def answer(self, call_id, from_tag, to_tag, sdp):
        self.calls.append(("answer", call_id, from_tag, to_tag))
        return sdp.replace(b"s=-", b"s=anchored-answer")

    async def delete(self, call_id, from_tag):
        self.calls.append(("delete", call_id, from_tag))

    async def recording(self, call_id):
        return None


def run(scenario, *, agents=("ana", "ben"), max_missed: int = 2, media=None, connect_media=None, recorder=None):
    """A front whose agents each have a phone (a fixed contact); ``scenario(ctx)`` with ctx: service, front,
    clock, caller (socket), send (to the front), phones (agent -> AgentPhone), media. ``connect_media``: an
    async function making the anchor inside the test's loop (rtpengine's client), instead of ``media``.
    ``recorder``: where the router's records go (a Recorder on a workspace), else nowhere."""

    async def main():
        loop = asyncio.get_running_loop()
        anchor = media if connect_media is None else await connect_media()
        phones = {}
        for agent in agents:
            _, phones[agent] = await loop.create_datagram_endpoint(AgentPhone, local_addr=("127.0.0.1", 0))
        clock = Clock()
        router = Router({"fr": RoutingQueue("fr", "fr")}, offer_timeout_s=15.0, wrap_up_s=0.0,
                        max_missed=max_missed)
        contacts = {agent: f"sip:{agent}@127.0.0.1:{phone.port}" for agent, phone in phones.items()}
        service = RouterService(router, clock=clock, registrations=Registrations(contacts), recorder=recorder)
        for n, agent in enumerate(agents):
            router.add_agent(agent, {"fr": 1}, clock.now + n)
        transport, front = await start_sip(service, "127.0.0.1", 0, {"fr": "fr"}, t1_s=0.05, t2_s=0.2,
                                           media=anchor)
        front.port = transport.get_extra_info("sockname")[1]
        caller_transport, caller = await loop.create_datagram_endpoint(Phone, local_addr=("127.0.0.1", 0))

        def send(data: bytes) -> None:
            caller_transport.sendto(data, ("127.0.0.1", front.port))

        class Context:
            pass

        ctx = Context()
        ctx.service, ctx.front, ctx.clock, ctx.caller, ctx.send, ctx.phones = (service, front, clock, caller, send,
                                                                               phones)
        ctx.router, ctx.media = router, anchor
        ctx.events = []
        service.subscribers.append(lambda events: ctx.events.extend(e[1:] for e in events))

        def available(*names):
            for name in names:
                router.set_status(name, "available", clock.now)
            service.publish()

        ctx.available = available
        try:
            await scenario(ctx)
        finally:
            caller_transport.close()
            for phone in phones.values():
                phone.transport.close()
            transport.close()
        assert front.counters["internal_errors"] == 0
        return ctx

    return asyncio.run(main())


async def ring(ctx, agent="ana", offer: bytes = OFFER):
    """A caller dials (``offer``: its SDP), ``agent`` is available: the caller hears 180, the phone gets the
    INVITE."""
    call = Call(ctx.front.port)
    ctx.send(call.request("INVITE", 1, body=offer))
    assert status(await ctx.caller.next()) == 180
    ctx.available(agent)
    invite = await ctx.phones[agent].next("INVITE")
    return call, invite


async def final(caller) -> str:
    """The caller's next final answer (180/183 repetitions skipped)."""
    while True:
        message = await caller.next(5.0)
        if status(message) >= 200 or not message.startswith("SIP/2.0"):
            return message


async def ringing(ctx, call, invite, agent="ana") -> None:
    """``agent``'s phone rings (180) and the front has its leg ringing."""
    ctx.phones[agent].reply(invite, 180)
    await until(lambda: ctx.front.b2bua.legs.get(call.id) is not None
                and ctx.front.b2bua.legs[call.id].state == "ringing")


async def answered(ctx, invite, agent="ana", sdp: bytes = PHONE_SDP) -> str:
    """``agent``'s phone answers (200 with ``sdp``): the caller's final answer, a 200."""
    ctx.phones[agent].reply(invite, 200, sdp)
    ok = await final(ctx.caller)
    assert status(ok) == 200
    return ok


def acknowledge(ctx, call, ok: str) -> None:
    """The caller's ACK of the 200."""
    ctx.send(call.request("ACK", 1, branch="z9hG4bKack", to=header(ok, "To")))


def hang_up(ctx, call, ok: str) -> None:
    """The caller's BYE in the dialog the 200 made."""
    ctx.send(call.request("BYE", 2, branch="z9hG4bKbye", to=header(ok, "To")))
