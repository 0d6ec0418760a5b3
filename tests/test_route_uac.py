"""The router's client transactions (sip/uac.py, RFC 3261 §17.1) on a driven clock: when the INVITE is repeated
and given up (Timers A and B), what a provisional response stops, how a non-2xx is acknowledged inside the
transaction and a 2xx handed to the dialog, and the CANCEL/BYE transaction's Timers E and F. No socket, no
wait: time moves only when the test says so."""

from __future__ import annotations

import heapq
import itertools

from casashore.route.sip.message import parse
from casashore.route.sip.uac import TIMER_D_S, InviteClient, NonInviteClient

T1, T2 = 0.5, 4.0
HEADERS = [("Via", "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKleg1;rport"),
           ("From", "<sip:caller@127.0.0.1>;tag=ours"), ("To", "<sip:amina@127.0.0.1:6000>"),
           ("Call-ID", "leg-1@127.0.0.1"), ("CSeq", "1 INVITE")]
INVITE = b"INVITE sip:amina@127.0.0.1:6000 SIP/2.0\r\n(as sent)\r\n\r\n"


class Clock:
    """Timers on a clock the test moves: ``advance`` runs, in order, every callback that falls due."""

    def __init__(self) -> None:
        self.now = 0.0
        self._queue: list = []
        self._order = itertools.count()

    def call_later(self, delay, callback, *args):
        entry = [self.now + delay, next(self._order), callback, args, False]
        heapq.heappush(self._queue, entry)

        class Handle:
            @staticmethod
            def cancel() -> None:
                entry[4] = True

        return Handle()

    def advance(self, seconds: float) -> None:
        until = self.now + seconds
        while self._queue and self._queue[0][0] <= until:
            at, _, callback, args, cancelled = heapq.heappop(self._queue)
            self.now = at
            if not cancelled:
                callback(*args)
        self.now = until


def answer(status: int, to_tag: str | None = "phone", method: str = "INVITE") -> object:
    to = "<sip:amina@127.0.0.1:6000>" + (f";tag={to_tag}" if to_tag else "")
    return parse(f"SIP/2.0 {status} Whatever\r\nVia: {HEADERS[0][1]}\r\nFrom: {HEADERS[1][1]}\r\nTo: {to}\r\n"
                 f"Call-ID: leg-1@127.0.0.1\r\nCSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n".encode())


def invite_client(clock: Clock):
    sent, seen, timeouts = [], [], []
    client = InviteClient(INVITE, HEADERS, "sip:amina@127.0.0.1:6000", lambda d: sent.append((clock.now, d)),
                          clock, t1_s=T1, on_response=seen.append, on_timeout=lambda: timeouts.append(clock.now))
    return client, sent, seen, timeouts


def test_an_unanswered_invite_is_repeated_at_t1_doubling_then_times_out_at_64_t1():
    clock = Clock()
    client, sent, seen, timeouts = invite_client(clock)
    clock.advance(64 * T1 + 10)
    # Timer A doubles without a cap (unlike non-INVITE requests): 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5
    assert [at for at, _ in sent] == [0.0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5]
    assert all(data == INVITE for _, data in sent)
    assert timeouts == [64 * T1] and client.state == "terminated" and seen == []


def test_a_provisional_answer_stops_the_repetitions_and_timer_b():
    clock = Clock()
    client, sent, seen, timeouts = invite_client(clock)
    clock.advance(0.7)
    client.receive(answer(180))
    clock.advance(100)
    assert len(sent) == 2 and timeouts == [] and client.state == "proceeding"
    assert [m.status for m in seen] == [180]


def test_a_non_2xx_is_acknowledged_in_the_transaction_and_again_for_each_repetition():
    clock = Clock()
    client, sent, seen, timeouts = invite_client(clock)
    client.receive(answer(180))
    client.receive(answer(486))
    ack = parse(sent[-1][1])
    assert ack.method == "ACK" and ack.uri == "sip:amina@127.0.0.1:6000"
    assert ack.get("Via") == HEADERS[0][1]  # the INVITE's branch: the ACK of a non-2xx is in its transaction
    assert ack.get("To") == "<sip:amina@127.0.0.1:6000>;tag=phone" and ack.get("CSeq") == "1 ACK"
    assert ack.get("From") == HEADERS[1][1] and ack.call_id == "leg-1@127.0.0.1"
    client.receive(answer(486))  # the phone did not get our ACK: it repeats its answer, we repeat the ACK
    assert sent[-1][1] == sent[-2][1] and len(sent) == 3
    assert [m.status for m in seen] == [180, 486]  # the repetition is absorbed, not handed up
    clock.advance(TIMER_D_S)
    assert client.state == "terminated" and timeouts == []


def test_a_2xx_ends_the_transaction_and_its_repetitions_go_to_the_dialog():
    clock = Clock()
    client, sent, seen, timeouts = invite_client(clock)
    client.receive(answer(200))
    client.receive(answer(200))
    clock.advance(100)
    assert [m.status for m in seen] == [200, 200]  # the dialog ACKs each one (end to end, §13.2.2.4)
    assert len(sent) == 1 and timeouts == [] and client.state == "terminated"


def test_a_cancel_or_bye_is_repeated_up_to_t2_apart_until_answered_or_64_t1():
    clock = Clock()
    sent, finals, timeouts = [], [], []
    NonInviteClient(b"CANCEL", lambda d: sent.append(clock.now), clock, t1_s=T1, t2_s=T2,
                    on_final=finals.append, on_timeout=lambda: timeouts.append(clock.now))
    clock.advance(64 * T1 + 5)
    assert sent[:6] == [0.0, 0.5, 1.5, 3.5, 7.5, 11.5]  # doubling, then capped at T2 = 4 s (Timer E)
    assert all(b - a <= T2 for a, b in itertools.pairwise(sent))
    assert timeouts == [64 * T1] and finals == []

    clock, sent = Clock(), []
    bye = NonInviteClient(b"BYE", lambda d: sent.append(clock.now), clock, t1_s=T1, t2_s=T2,
                          on_final=finals.append, on_timeout=lambda: timeouts.append(clock.now))
    clock.advance(0.6)
    bye.receive(answer(100, method="BYE"))  # provisional: repeated every T2 from then on
    clock.advance(9)
    assert sent == [0.0, 0.5, 1.5, 5.5, 9.5]
    bye.receive(answer(200, method="BYE"))
    bye.receive(answer(200, method="BYE"))  # a repeated final answer changes nothing
    clock.advance(100)
    assert len(sent) == 5 and [m.status for m in finals] == [200] and timeouts == [64 * T1]
