"""The SIP front over real UDP sockets on loopback: a call's whole life, retransmissions both ways, CANCEL,
overflow answers, an agent's hang-up, and a fuzz corpus of broken messages that must not stop the server.

Longer than the house's 400 lines: the scenarios share one loopback harness (a front, a raw UDP client and the
dialog helpers at the top), and each is a short test; split by topic, each file would repeat the harness."""

from __future__ import annotations

import asyncio
import random
import re
import socket
import uuid

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from casashore.route.service import RouterService
from casashore.route.sip.front import start_sip
from casashore.route.state.call_ids import router_id
from casashore.route.state.core import Router, RoutingQueue

OFFER = (b"v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         b"m=audio 6000 RTP/AVP 18 8 101\r\na=rtpmap:18 G729/8000\r\na=rtpmap:8 PCMA/8000\r\n"
         b"a=rtpmap:101 telephone-event/8000\r\n")


class Phone(asyncio.DatagramProtocol):
    """A caller's UDP socket: what arrives goes to a queue."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue = asyncio.Queue()

    def datagram_received(self, data, addr) -> None:
        self.inbox.put_nowait(data.decode())

    async def next(self, timeout: float = 2.0) -> str:
        return await asyncio.wait_for(self.inbox.get(), timeout)

    async def silent(self, for_s: float) -> bool:
        try:
            await asyncio.wait_for(self.inbox.get(), for_s)
            return False
        except TimeoutError:
            return True


async def until(condition, polls: int = 3000) -> None:
    """Wait for the front to have handled what was sent (by what it did, not by how long it took)."""
    for _ in range(polls):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


def status(message: str) -> int:
    return int(message.split(" ", 2)[1]) if message.startswith("SIP/2.0") else 0


def header(message: str, name: str) -> str:
    return re.search(rf"^{name}: (.*)$", message, re.M | re.I).group(1).strip()


class Call:
    def __init__(self, port: int, user: str = "fr", call_id: str | None = None) -> None:
        self.port, self.user = port, user
        self.call_id = call_id or uuid.uuid4().hex
        self.id = router_id(self.call_id)
        """The router's id of the call."""
        self.branch = "z9hG4bK" + uuid.uuid4().hex[:12]
        self.to = f"<sip:{user}@127.0.0.1>"

    def request(self, method: str, cseq: int, branch: str | None = None, body: bytes = b"",
                to: str | None = None, via: str | None = None, from_tag: str = "caller1",
                extra: tuple[str, ...] = ()) -> bytes:
        lines = [f"{method} sip:{self.user}@127.0.0.1:{self.port} SIP/2.0",
                 f"Via: {via or f'SIP/2.0/UDP 127.0.0.1:5999;branch={branch or self.branch}'}", "Max-Forwards: 70",
                 f"From: <sip:caller@127.0.0.1>;tag={from_tag}", f"To: {to or self.to}", f"Call-ID: {self.call_id}",
                 f"CSeq: {cseq} {method}", "Contact: <sip:caller@127.0.0.1:5999>", *extra]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def centre(max_waiting: int = 10, max_calls: int = 100, t1_s: float = 0.05, max_transactions: int = 10_000):
    router = Router({"fr": RoutingQueue("fr", "fr", max_waiting=max_waiting)}, wrap_up_s=0.0)
    router.add_agent("ana", {"fr": 1}, 0.0)
    return RouterService(router), dict(max_calls=max_calls, t1_s=t1_s, t2_s=0.2, max_transactions=max_transactions)


def run(scenario, **centre_options):
    """Start a SIP front on a free port and a caller socket, run ``scenario(service, front, phone, send)``."""

    async def main():
        service, options = centre(**centre_options)
        transport, front = await start_sip(service, "127.0.0.1", 0, {"fr": "fr", "3001": "fr"}, **options)
        front.port = transport.get_extra_info("sockname")[1]
        loop = asyncio.get_running_loop()
        phone_transport, phone = await loop.create_datagram_endpoint(Phone, local_addr=("127.0.0.1", 0))

        def send(data: bytes) -> None:
            phone_transport.sendto(data, ("127.0.0.1", front.port))

        try:
            await scenario(service, front, phone, send)
        finally:
            phone_transport.close()
            transport.close()
        assert front.counters["internal_errors"] == 0
        return service, front

    return asyncio.run(main())


def test_a_call_is_queued_answered_and_ended():
    async def scenario(service, front, phone, send):
        call = Call(front.port)
        send(call.request("INVITE", 1, body=OFFER))
        assert status(await phone.next()) == 180  # no 100 Trying: the 180 comes at once
        assert service.router.calls[call.id].state == "waiting"  # ana is offline
        send(call.request("INVITE", 1, body=OFFER))  # a retransmission: the last answer again, no second call
        assert status(await phone.next()) == 180 and len(service.router.calls) == 1
        service.router.set_status("ana", "available", service.now())
        service.router.accept("ana", call.id, service.now())
        service.publish()
        ok = await phone.next()
        assert status(ok) == 200 and "m=audio" in ok and " RTP/AVP 18 101" in ok  # first common codec + DTMF
        to = header(ok, "To")
        assert ";tag=" in to
        assert status(await phone.next()) == 200  # no ACK yet: the 200 is repeated
        send(call.request("ACK", 1, branch="z9hG4bKack1", to=to))
        await asyncio.sleep(0.02)
        while not phone.inbox.empty():  # a retransmission may have crossed the ACK
            assert status(phone.inbox.get_nowait()) == 200
        assert await phone.silent(0.3)
        send(call.request("BYE", 2, branch="z9hG4bKbye1", to=to))
        assert status(await phone.next()) == 200
        send(call.request("BYE", 2, branch="z9hG4bKbye1", to=to))  # retransmitted BYE: same answer
        assert status(await phone.next()) == 200
        assert service.router.calls[call.id].outcome == "answered"

    run(scenario)


def test_a_call_id_with_a_slash_is_routed_under_the_routers_id():
    """Issue 16, High 4: a legal Call-ID that a URL path cannot carry is queued under the router's id (the
    API's address), keeps its Call-ID as data, and its caller hears the 200 when the agent accepts."""
    async def scenario(service, front, phone, send):
        call = Call(front.port, call_id="evil/1@x")
        send(call.request("INVITE", 1, body=OFFER))
        assert status(await phone.next()) == 180  # no 100 Trying: the 180 comes at once
        routed = service.router.calls[router_id("evil/1@x")]
        assert routed.trunk_call_id == "evil/1@x" and routed.call_id.isalnum()
        service.router.set_status("ana", "available", service.now())
        assert service.router.accept("ana", routed.call_id, service.now())
        service.publish()
        ok = await phone.next()
        assert status(ok) == 200 and header(ok, "Call-ID") == "evil/1@x"

    run(scenario)


def test_cancel_before_the_answer_abandons_the_call():
    async def scenario(service, front, phone, send):
        call = Call(front.port, user="3001")
        send(call.request("INVITE", 1, body=OFFER))
        await phone.next()  # 180
        send(call.request("CANCEL", 1))
        answers = sorted([status(await phone.next()), status(await phone.next())])
        assert answers == [200, 487]
        send(call.request("ACK", 1))  # the ACK of the 487 (same branch) stops its repetition
        assert await phone.silent(0.3)
        assert service.router.calls[call.id].outcome == "abandoned"
        send(Call(front.port).request("CANCEL", 1))
        assert status(await phone.next()) == 481

    run(scenario)


def test_overflow_unknown_numbers_and_methods_get_their_answers():
    async def scenario(service, front, phone, send):
        first, second, third = Call(front.port), Call(front.port), Call(front.port)
        send(first.request("INVITE", 1, body=OFFER))
        assert status(await phone.next()) == 180
        send(second.request("INVITE", 1, body=OFFER))
        assert status(await phone.next()) == 486  # max_waiting = 1
        busy = await phone.next()  # repeated until the ACK
        assert status(busy) == 486
        send(second.request("ACK", 1))
        send(Call(front.port, user="999").request("INVITE", 1, body=OFFER))
        assert status(await phone.next()) == 404
        no_codec = OFFER.replace(b"18 8 101", b"97").replace(b"a=rtpmap:18", b"a=rtpmap:97 opus/48000\r\na=x:")
        send(third.request("INVITE", 1, body=no_codec))
        assert status(await phone.next()) == 488
        send(Call(front.port).request("SUBSCRIBE", 1))  # (REGISTER goes to the registrar)
        answer = await phone.next()
        assert status(answer) == 405 and "INVITE" in header(answer, "Allow")
        send(Call(front.port).request("BYE", 1))
        assert status(await phone.next()) == 481
        counts = service.counts
        assert counts["arrived"] == 1 and counts["rejected"] == 1

    run(scenario, max_waiting=1)


def test_past_max_calls_the_front_answers_503():
    async def scenario(service, front, phone, send):
        send(Call(front.port).request("INVITE", 1, body=OFFER))
        assert status(await phone.next()) == 180
        send(Call(front.port).request("INVITE", 1, body=OFFER))
        unavailable = await phone.next()
        assert status(unavailable) == 503 and header(unavailable, "Retry-After") == "5"

    run(scenario, max_calls=1)


def test_an_agent_hang_up_sends_the_caller_a_bye():
    async def scenario(service, front, phone, send):
        service.router.set_status("ana", "available", service.now())
        call = Call(front.port)
        send(call.request("INVITE", 1, body=OFFER))
        await phone.next()  # 180
        service.router.accept("ana", call.id, service.now())
        service.publish()
        to = header(await phone.next(), "To")
        send(call.request("ACK", 1, branch="z9hG4bKack2", to=to))
        await until(lambda: front.counters["in_ACK"] == 1)  # the ACK shows the caller receives us: BYEs repeat
        service.router.hang_up(call.id, service.now())
        service.publish()
        bye = await phone.next()
        while bye.startswith("SIP/2.0 200"):  # a 200 retransmission that crossed the ACK
            bye = await phone.next()
        assert bye.startswith("BYE sip:caller@127.0.0.1:5999 SIP/2.0") and header(bye, "Call-ID") == call.call_id
        assert header(bye, "To").endswith("tag=caller1")
        repeated = await phone.next()
        assert repeated == bye  # not answered yet: repeated
        ok = (f"SIP/2.0 200 OK\r\nVia: {header(bye, 'Via')}\r\nFrom: {header(bye, 'From')}\r\n"
              f"To: {header(bye, 'To')}\r\nCall-ID: {call.call_id}\r\nCSeq: {header(bye, 'CSeq')}\r\n"
              "Content-Length: 0\r\n\r\n")
        send(ok.encode())
        assert await phone.silent(0.5)

    run(scenario)


INVITE = Call(5060).request("INVITE", 1, body=OFFER)
CORPUS = [
    b"", b"\r\n\r\n", b"\x00" * 100, b"INVITE", b"INVITE sip:fr@h SIP/2.0", b"INVITE sip:fr@h SIP/2.0\r\n\r\n",
    INVITE.replace(b"SIP/2.0\r\n", b"SIP/3.0\r\n", 1), INVITE.replace(b"CSeq: 1 INVITE", b"CSeq: one INVITE"),
    INVITE.replace(b"CSeq: 1 INVITE", b"CSeq: 1 BYE"), INVITE.replace(b"CSeq: 1 INVITE", b"CSeq: 99999999999 INVITE"),
    INVITE.replace(b"Content-Length: ", b"Content-Length: 9"),
    INVITE.replace(b"Content-Length: ", b"Content-Length: -"),
    INVITE.replace(b"Via: ", b"Xia: "), INVITE.replace(b"Call-ID: ", b"Call-ID "), INVITE.replace(b"\r\n", b"\n"),
    INVITE.replace(b"From: ", b"From:\r\n "), INVITE.replace(b"sip:fr@", b"sip:\xff\xfe@"),
    INVITE.replace(b"m=audio 6000 RTP/AVP 18 8 101", b"m=audio"), INVITE.replace(b"To: <sip:fr@127.0.0.1>", b"To: <"),
    INVITE.replace(b"branch=", b"branch"), INVITE.replace(b"Via: SIP/2.0/UDP", b"Via: ,,,"),
    b"SIP/2.0 200 OK\r\nVia: x\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCSeq: 1 BYE\r\n\r\n",
    b"SIP/2.0 999 What\r\n\r\n", b"SIP/2.0 20 OK\r\nVia: x\r\n\r\n", b"ACK sip:x@y SIP/2.0\r\n\r\n",
    INVITE * 3, INVITE[:200], INVITE + b"\x00" * 60_000, b"A" * 70_000,
    # dialog and transaction matching (issue 16): no branch, a foreign sent-by, requests outside any dialog
    INVITE.replace(b";branch=z9hG4bK", b";x="), INVITE.replace(b"127.0.0.1:5999;branch", b"10.0.0.9:5999;branch"),
    Call(5060).request("CANCEL", 1, via="SIP/2.0/UDP 127.0.0.1:5999"),
    Call(5060).request("ACK", 1, to="<sip:fr@127.0.0.1>;tag=guessed"),
    Call(5060).request("BYE", 2, to="<sip:fr@127.0.0.1>;tag=guessed", from_tag=""),
    b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKnotours\r\nFrom: a;tag=1\r\nTo: b\r\n"
    b"Call-ID: c\r\nCSeq: 1 BYE\r\n\r\n",
    INVITE.replace(b"Call-ID: ", b"Call-ID: " + b"x" * 300), INVITE.replace(b"Call-ID: ", b"Call-ID: evil/1?#%2F"),
    INVITE.replace(b"Max-Forwards: 70", b"\r\n".join(b"X-%d: y" % k for k in range(70))),
]


@pytest.mark.parametrize("index", range(len(CORPUS)))
def test_a_broken_message_gets_400_or_silence_and_the_server_goes_on(index):
    async def scenario(service, front, phone, send):
        send(CORPUS[index])
        await asyncio.sleep(0.05)
        while not phone.inbox.empty():
            answer = phone.inbox.get_nowait()
            assert status(answer) in (180, 400, 404, 481, 486, 488, 505), answer[:80]
        ping = Call(front.port).request("OPTIONS", 1)
        send(ping)
        answer = await phone.next()
        while status(answer) != 200:
            answer = await phone.next()

    run(scenario)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_messages_never_stop_the_server(data):
    """Random byte edits of a valid INVITE and BYE: whatever happens, no exception escapes and a later ping is
    answered."""
    seed = data.draw(st.integers(0, 2**32 - 1))

    async def scenario(service, front, phone, send):
        rng = random.Random(seed)
        for message in (INVITE, Call(front.port).request("BYE", 2)):
            raw = bytearray(message)
            for _ in range(rng.randint(1, 12)):
                at = rng.randrange(len(raw))
                choice = rng.random()
                if choice < 0.4:
                    raw[at] = rng.randrange(256)
                elif choice < 0.7:
                    del raw[at:at + rng.randint(1, 20)]
                else:
                    raw[at:at] = rng.choice([b"\r\n", b":", b";", b" ", b"<", b"\x00", b"SIP/2.0"])
            send(bytes(raw))
        send(Call(front.port).request("OPTIONS", 1))
        while status(await phone.next()) != 200:
            pass

    run(scenario)


def test_a_wrong_content_length_gets_a_400_that_says_why():
    async def scenario(service, front, phone, send):
        send(INVITE.replace(b"Content-Length: ", b"Content-Length: 9"))
        answer = await phone.next()
        assert status(answer) == 400 and "Content-Length" in header(answer, "Warning")
        assert service.router.calls == {}  # nothing queued

    run(scenario)


def test_oversized_and_padded_invites_cost_bounded_state():
    """Issue 16, Medium 8: a datagram over 8 KiB is dropped unread; more than 64 header lines get a 400; a
    queued call keeps only the INVITE's dialog headers; finished transactions are remembered at most
    ``max_transactions`` (the oldest forgotten first), whatever the rate of a flood."""
    async def scenario(service, front, phone, send):
        padding = tuple(f"X-Padding-{k}: {'x' * 1000}" for k in range(30))  # 30 KB of headers
        send(Call(front.port).request("INVITE", 1, body=OFFER, extra=padding))
        many = tuple(f"X-H{k}: x" for k in range(70))
        send(Call(front.port).request("INVITE", 1, body=OFFER, extra=many))
        answer = await phone.next()
        assert status(answer) == 400 and "at most 64" in header(answer, "Warning")
        assert front.counters["oversized"] == 1 and service.router.calls == {}
        kept = Call(front.port)
        send(kept.request("INVITE", 1, body=OFFER, extra=("X-Padding: " + "x" * 1000,)))
        assert status(await phone.next()) == 180
        assert front.calls[kept.id].invite.get("X-Padding") is None  # held for the call: the dialog's headers
        for _ in range(120):  # unknown numbers: each a finished transaction
            send(Call(front.port, user="999").request("INVITE", 1, body=OFFER))
        await until(lambda: front.counters["in_INVITE"] == 121)  # (the two broken ones are not counted)
        assert len(front.invites) <= 40 + 1  # the finished ones, and the call in progress
        assert kept.id in front.calls and service.router.calls[kept.id].state == "waiting"

    run(scenario, max_transactions=40)


def test_two_invites_without_a_branch_are_two_calls():
    """Issue 16, Low: RFC 2543 requests (no z9hG4bK branch) are matched by Request-URI, From tag, Call-ID,
    CSeq and top Via (RFC 3261 §17.2.3), not confused by their empty branch."""
    async def scenario(service, front, phone, send):
        old_via = "SIP/2.0/UDP 127.0.0.1:5999"
        first, second = Call(front.port), Call(front.port)
        send(first.request("INVITE", 1, body=OFFER, via=old_via))
        assert status(await phone.next()) == 180
        send(second.request("INVITE", 1, body=OFFER, via=old_via))
        assert status(await phone.next()) == 180
        assert {first.id, second.id} <= set(service.router.calls)
        send(first.request("INVITE", 1, body=OFFER, via=old_via))  # a retransmission of the first: no third call
        assert status(await phone.next()) == 180 and len(service.router.calls) == 2
        send(second.request("CANCEL", 1, via=old_via))  # cancels the second only
        assert sorted([status(await phone.next()), status(await phone.next())]) == [200, 487]
        assert service.router.calls[second.id].outcome == "abandoned"
        assert service.router.calls[first.id].state == "waiting"

    run(scenario)


def test_a_cancel_must_name_the_invites_transaction():
    """Issue 16, Low: a CANCEL with the INVITE's branch but another sent-by or another Call-ID is not that
    INVITE's CANCEL: 481, and the call waits on."""
    async def scenario(service, front, phone, send):
        call = Call(front.port)
        send(call.request("INVITE", 1, body=OFFER))
        assert status(await phone.next()) == 180
        send(call.request("CANCEL", 1, via=f"SIP/2.0/UDP 10.9.9.9:5999;branch={call.branch}"))
        assert status(await phone.next()) == 481
        other = Call(front.port)
        other.branch = call.branch
        send(other.request("CANCEL", 1))  # same branch and sent-by, another caller's Call-ID
        assert status(await phone.next()) == 481
        assert service.router.calls[call.id].state == "waiting"
        send(call.request("CANCEL", 1))
        assert sorted([status(await phone.next()), status(await phone.next())]) == [200, 487]
        assert service.router.calls[call.id].outcome == "abandoned"

    run(scenario)


def test_a_bye_must_match_the_dialog_and_come_from_the_trunks_host():
    """Issue 16, Low: a BYE ends a call only with the caller's From tag and our To tag, from the host the
    INVITE came from; otherwise 481 (no such dialog) or 403 (another host), and the call goes on."""
    async def scenario(service, front, phone, send):
        service.router.set_status("ana", "available", service.now())
        call = Call(front.port)
        send(call.request("INVITE", 1, body=OFFER))
        assert status(await phone.next()) == 180
        service.router.accept("ana", call.id, service.now())
        service.publish()
        to = header(await phone.next(), "To")
        send(call.request("ACK", 1, branch="z9hG4bKack3", to=to))
        send(call.request("BYE", 2, branch="z9hG4bKb1"))  # no To tag
        send(call.request("BYE", 2, branch="z9hG4bKb2", to=to, from_tag="intruder"))
        answers = []
        while len(answers) < 2:
            answer = await phone.next()
            if header(answer, "CSeq").endswith("BYE"):
                answers.append(status(answer))
        assert answers == [481, 481]
        loop = asyncio.get_running_loop()
        elsewhere_transport, elsewhere = await loop.create_datagram_endpoint(Phone, local_addr=("127.0.0.2", 0))
        try:
            elsewhere_transport.sendto(call.request("BYE", 2, branch="z9hG4bKb3", to=to), ("127.0.0.1", front.port))
            assert status(await elsewhere.next()) == 403
        finally:
            elsewhere_transport.close()
        assert service.router.calls[call.id].state == "connected"
        send(call.request("BYE", 2, branch="z9hG4bKb4", to=to))
        answer = await phone.next()
        while not header(answer, "CSeq").endswith("BYE"):
            answer = await phone.next()
        assert status(answer) == 200 and service.router.calls[call.id].outcome == "answered"

    run(scenario)


def test_a_silent_source_is_sent_no_more_bytes_than_it_sent():
    """Issue 16, Low: a final answer to an INVITE nobody ACKs (a spoofed source) is repeated only while the
    bytes sent stay within the bytes received, and given up at Timer H; no 100 Trying is added."""
    async def scenario(service, front, phone, send):
        invite = Call(front.port, user="999").request("INVITE", 1, body=OFFER)
        send(invite)
        await until(lambda: front.counters["no_ack"] == 1)  # Timer H fired: the front gave up
        received = []
        while not phone.inbox.empty():
            received.append(phone.inbox.get_nowait())
        assert status(received[0]) == 404 and all(status(answer) == 404 for answer in received)
        assert sum(len(answer.encode()) for answer in received) <= len(invite)
        assert front.counters["repeats_withheld"] >= 1

    run(scenario, t1_s=0.01)


def test_the_200_goes_out_once_when_a_proxy_relays_the_ack():
    """The benchmark's shape (bench_route_load: SIPp's caller.xml through Kamailio): the INVITE and the ACK of the
    200 come from the proxy's address with its Via on top, the ACK in a transaction of its own (new branches),
    its To carrying our tag. Counted on the wire by a raw UDP socket: one 180, one 200 and nothing after the ACK
    (no Timer G repetition, no BYE at Timer H); the ACK matched the dialog (no stray_ack, no dialog_mismatch)."""

    async def main():
        service, options = centre(t1_s=0.5)  # the first repetition would come 0.5 s after the 200
        transport, front = await start_sip(service, "127.0.0.1", 0, {"fr": "fr"}, **options)
        port = transport.get_extra_info("sockname")[1]
        proxy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        proxy.bind(("127.0.0.1", 0))
        proxy.setblocking(False)
        here = proxy.getsockname()[1]
        loop = asyncio.get_running_loop()
        call = Call(port)

        def relayed(method: str, cseq: int, branch: str, to: str | None = None, body: bytes = b"") -> bytes:
            via = (f"SIP/2.0/UDP 127.0.0.1:{here};branch=z9hG4bKproxy{branch}, "
                   f"SIP/2.0/UDP 127.0.0.1:5999;rport;branch=z9hG4bK-caller-{branch}")
            return call.request(method, cseq, via=via, to=to, body=body, from_tag="1234SIPpTag001")

        async def received(for_s: float) -> list[str]:
            got, end = [], loop.time() + for_s
            while (left := end - loop.time()) > 0:
                try:
                    got.append((await asyncio.wait_for(loop.sock_recv(proxy, 65536), left)).decode())
                except TimeoutError:
                    break
            return got

        try:
            proxy.sendto(relayed("INVITE", 1, "inv", body=OFFER), ("127.0.0.1", port))
            ringing = await received(0.2)
            assert [status(m) for m in ringing] == [180]
            service.router.set_status("ana", "available", service.now())
            service.router.accept("ana", call.id, service.now())
            service.publish()
            ok = (await received(0.2))[0]
            assert status(ok) == 200
            proxy.sendto(relayed("ACK", 1, "ack", to=header(ok, "To")), ("127.0.0.1", port))
            after = await received(2.5)  # unacknowledged, Timer G would repeat the 200 from 0.5 s on
            assert after == [], [m.splitlines()[0] for m in after]
            assert front.counters["out_200"] == 1 and front.counters["retransmitted"] == 0
            assert front.counters["stray_ack"] == 0 and front.counters["dialog_mismatch"] == 0
            assert front.calls[call.id].state == "confirmed"
        finally:
            proxy.close()
            transport.close()

    asyncio.run(main())
