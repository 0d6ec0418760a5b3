"""A client of rtpengine's ng control protocol: one UDP datagram per request, ``COOKIE SPACE BENCODED-DICT``,
answered by a datagram carrying the same cookie and a dictionary whose ``result`` is ``ok`` (``pong`` for a
ping) or ``error`` with an ``error-reason``.

UDP loses datagrams: a request is sent again with the same cookie after ``timeout_s`` without a reply, at most
``retries`` times — rtpengine keeps its replies by cookie for a while, so a repeated offer is not applied twice
and gets the first reply. Replies are matched to requests by cookie only (the socket is connected to the engine:
the kernel drops datagrams from anyone else); a reply over ``max_reply_bytes``, one that cannot be read or one for
no pending cookie is dropped and counted, never trusted.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter

from casashore.route.media.bencode import BencodeError, decode, encode

TIMEOUT_S = 1.0
"""Wait for one reply; rtpengine answers on loopback or a LAN within milliseconds."""
RETRIES = 2
"""Requests sent again after a lost datagram: a dead engine is declared after (1 + RETRIES) · TIMEOUT_S."""
MAX_REPLY_BYTES = 16_384
"""A reply taken at most: an offer's SDP with a dozen crypto suites is 2-3 KB, a query of a two-party call 3 KB."""
MAX_REQUEST_BYTES = 65_000
"""A request sent at most (one UDP datagram); an SDP from a peer is bounded far below by the SIP front."""


class NgError(RuntimeError):
    """The engine answered ``result: error`` (the reason in the message), or an answer that cannot be used."""

    def __init__(self, command: str, reason: str) -> None:
        super().__init__(f"rtpengine {command}: {reason}")
        self.command, self.reason = command, reason


class NgUnreachable(NgError):
    """No reply after every retry: the engine is down, or the address is wrong."""


class NgClient(asyncio.DatagramProtocol):
    def __init__(self, host: str, port: int, *, timeout_s: float = TIMEOUT_S, retries: int = RETRIES,
                 max_reply_bytes: int = MAX_REPLY_BYTES) -> None:
        self.host, self.port = host, port
        self.timeout_s, self.retries, self.max_reply_bytes = timeout_s, retries, max_reply_bytes
        self.datagrams: asyncio.DatagramTransport | None = None
        self.pending: dict[bytes, asyncio.Future] = {}
        self.counters: Counter = Counter()

    async def open(self) -> NgClient:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, remote_addr=(self.host, self.port))
        return self

    def close(self) -> None:
        if self.datagrams is not None:
            self.datagrams.close()
        for future in self.pending.values():
            if not future.done():
                future.set_exception(NgUnreachable("request", "the client was closed"))

    # -- asyncio's side -------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.datagrams = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr) -> None:
        cookie, _, body = data.partition(b" ")
        future = self.pending.get(cookie)
        if future is None or future.done():
            self.counters["stray_replies"] += 1  # a late reply to a request already answered or given up
            return
        if len(data) > self.max_reply_bytes:
            self.counters["oversized_replies"] += 1
            future.set_exception(NgError("reply", f"{len(data)} bytes; at most {self.max_reply_bytes}"))
            return
        try:
            reply = decode(body)
        except BencodeError as exc:
            self.counters["unreadable_replies"] += 1
            future.set_exception(NgError("reply", f"not bencode ({exc})"))
            return
        if not isinstance(reply, dict):
            future.set_exception(NgError("reply", "not a dictionary"))
            return
        future.set_result(reply)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable (nothing listens there): the pending requests time out and are retried
        self.counters["transport_errors"] += 1

    # -- requests -------------------------------------------------------------------------------------
    async def request(self, command: str, **arguments: object) -> dict:
        """Send ``command`` with ``arguments`` (keys with ``_`` become ``-``: ``call_id`` -> ``call-id``);
        the reply's dictionary when ``result`` is not ``error``. Raises NgError (the engine's reason) or
        NgUnreachable (no reply after the retries)."""
        message = {"command": command} | {key.replace("_", "-"): value for key, value in arguments.items()}
        cookie = secrets.token_hex(8).encode()
        data = cookie + b" " + encode(message)
        if len(data) > MAX_REQUEST_BYTES:
            raise NgError(command, f"request of {len(data)} bytes; at most {MAX_REQUEST_BYTES}")
        if self.datagrams is None or self.datagrams.is_closing():
            raise NgUnreachable(command, "the control socket is closed")
        future = asyncio.get_running_loop().create_future()
        self.pending[cookie] = future
        try:
            for attempt in range(1 + self.retries):
                if attempt:
                    self.counters["retries"] += 1
                self.datagrams.sendto(data)
                try:
                    reply = await asyncio.wait_for(asyncio.shield(future), self.timeout_s)
                    break
                except TimeoutError:
                    continue
            else:
                self.counters["unreachable"] += 1
                raise NgUnreachable(command, f"no reply from {self.host}:{self.port} after {1 + self.retries} "
                                             f"tries of {self.timeout_s:g} s")
        finally:
            self.pending.pop(cookie, None)
        if reply.get("result") == b"error":
            reason = reply.get("error-reason", b"no reason given")
            raise NgError(command, reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason))
        return reply
