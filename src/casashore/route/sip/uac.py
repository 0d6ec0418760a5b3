"""Client transactions over UDP (RFC 3261 §17.1): what the router sends as a user-agent client, towards agents'
phones (sip/b2bua.py), made reliable by its own retransmissions.

- ``InviteClient`` (§17.1.1): the INVITE repeated at T1, 2·T1, 4·T1 … (Timer A, doubling without a cap) until
  any response; no response in 64·T1 (Timer B) is a timeout. A final non-2xx answer is acknowledged inside the
  transaction (the ACK built from the INVITE and the response's To, §17.1.1.3) and again for each of its
  retransmissions for 32 s (Timer D). A 2xx ends the transaction: its ACK is the dialog's (b2bua.py), and
  retransmitted 2xx are handed up for that ACK to be sent again.
- ``NonInviteClient`` (§17.1.2, CANCEL and BYE): repeated at T1 doubling up to T2 (Timer E), at T2 once a
  provisional response came; no final response in 64·T1 (Timer F) is a timeout.

Timers come from ``timers.call_later`` (the asyncio loop's, or a driven clock in tests), so a test walks a
transaction through its timeouts without waiting for them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from casashore.route.sip.message import SipMessage, request

TIMER_D_S = 32.0
"""How long a completed INVITE client transaction absorbs retransmitted final answers (§17.1.1.2, UDP)."""


class Timer(Protocol):
    def cancel(self) -> None: ...


class Timers(Protocol):
    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer: ...


Send = Callable[[bytes], None]


class InviteClient:
    def __init__(self, invite: bytes, headers: list[tuple[str, str]], uri: str, send: Send, timers: Timers, *,
                 t1_s: float, on_response: Callable[[SipMessage], None], on_timeout: Callable[[], None]) -> None:
        """``invite``: the request as sent; ``headers``/``uri``: its Via, From, Call-ID, CSeq (and Route) and
        Request-URI, from which the ACK of a non-2xx answer is built. ``on_response`` gets every response the
        transaction user must see (provisional, the final one, retransmitted 2xx); ``on_timeout`` Timer B."""
        self.invite, self.headers, self.uri, self.send, self.timers = invite, headers, uri, send, timers
        self.t1_s, self.on_response, self.on_timeout = t1_s, on_response, on_timeout
        self.state = "calling"
        """calling → proceeding (a 1xx) → terminated (a 2xx, or Timer B) | completed (a non-2xx, ACKed)."""
        self.ack: bytes | None = None
        self._a: Timer | None = None
        self._b: Timer | None = None
        self.send(invite)
        self._a = timers.call_later(t1_s, self._timer_a, t1_s)
        self._b = timers.call_later(64 * t1_s, self._timer_b)

    def _timer_a(self, wait: float) -> None:
        if self.state == "calling":
            self.send(self.invite)
            self._a = self.timers.call_later(2 * wait, self._timer_a, 2 * wait)

    def _timer_b(self) -> None:
        if self.state == "calling":
            self.state = "terminated"
            self._stop()
            self.on_timeout()

    def _stop(self) -> None:
        for timer in (self._a, self._b):
            if timer is not None:
                timer.cancel()
        self._a = self._b = None

    def receive(self, answer: SipMessage) -> None:
        status = answer.status or 0
        if self.state in ("calling", "proceeding"):
            if status < 200:
                if self.state == "calling":
                    self.state = "proceeding"
                    self._stop()  # no more retransmissions, and Timer B applies only while calling
                self.on_response(answer)
            elif status < 300:
                self.state = "terminated"
                self._stop()
                self.on_response(answer)
            else:
                self.state = "completed"
                self._stop()
                self.ack = self._ack_for(answer)
                self.send(self.ack)
                self.timers.call_later(TIMER_D_S, self._terminate)
                self.on_response(answer)
        elif self.state == "completed" and status >= 300 and self.ack is not None:
            self.send(self.ack)  # the answer again: our ACK was lost
        elif self.state == "terminated" and 200 <= status < 300:
            self.on_response(answer)  # a retransmitted 2xx: the dialog ACKs it again

    def _terminate(self) -> None:
        self.state = "terminated"

    def _ack_for(self, answer: SipMessage) -> bytes:
        """§17.1.1.3: the INVITE's Request-URI, top Via, From, Call-ID, CSeq number and Route; the response's To."""
        via = next(value for name, value in self.headers if name == "Via")
        kept = [(name, value) for name, value in self.headers if name in ("From", "Call-ID", "Route")]
        number = next(value for name, value in self.headers if name == "CSeq").split()[0]
        return request("ACK", self.uri, [("Via", via), ("Max-Forwards", "70"), *kept,
                                         ("To", answer.get("To") or ""), ("CSeq", f"{number} ACK")])

    def cancel_timers(self) -> None:
        self._stop()


class NonInviteClient:
    def __init__(self, data: bytes, send: Send, timers: Timers, *, t1_s: float, t2_s: float,
                 on_final: Callable[[SipMessage], None], on_timeout: Callable[[], None]) -> None:
        self.data, self.send, self.timers = data, send, timers
        self.t1_s, self.t2_s, self.on_final, self.on_timeout = t1_s, t2_s, on_final, on_timeout
        self.state = "trying"
        """trying → proceeding (a 1xx) → completed (a final answer) | terminated (Timer F)."""
        self.send(data)
        self._e: Timer | None = timers.call_later(t1_s, self._timer_e, t1_s)
        self._f: Timer | None = timers.call_later(64 * t1_s, self._timer_f)

    def _timer_e(self, wait: float) -> None:
        if self.state in ("trying", "proceeding"):
            self.send(self.data)
            following = self.t2_s if self.state == "proceeding" else min(2 * wait, self.t2_s)
            self._e = self.timers.call_later(following, self._timer_e, following)

    def _timer_f(self) -> None:
        if self.state in ("trying", "proceeding"):
            self.state = "terminated"
            self._stop()
            self.on_timeout()

    def _stop(self) -> None:
        for timer in (self._e, self._f):
            if timer is not None:
                timer.cancel()
        self._e = self._f = None

    def receive(self, answer: SipMessage) -> None:
        status = answer.status or 0
        if self.state not in ("trying", "proceeding"):
            return  # a retransmitted final answer: nothing more to do (Timer K)
        if status < 200:
            self.state = "proceeding"
            return
        self.state = "completed"
        self._stop()
        self.on_final(answer)
