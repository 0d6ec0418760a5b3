"""SIP over TLS (RFC 3261 §18.3, §26.2): the trunk side's encrypted signalling, into the same front as UDP.

A stream carries messages back to back, each framed by its Content-Length (mandatory on a stream: a message
without one gets a 400 and the connection is closed, since where the next message starts is then unknown).
Each message is handed to the front exactly as a datagram is, with the peer's address; the front's answers to
that address go back on the same connection (sip/transport.py looks the address up among the open streams).

Bounds, each a decision against a peer that wants to hold resources: a message (headers and body) of at most
MAX_MESSAGE_BYTES like a datagram (the connection is closed past it: a stream cannot skip what it did not
frame), buffered bytes per connection of at most one message plus what follows it in one read, at most
``max_connections`` connections (more are closed at once), a TLS handshake within HANDSHAKE_S, and a silent
connection closed after ``idle_s``. CRLF keep-alives (RFC 5626 §3.5.1: a double CRLF) are answered by a CRLF.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
from collections.abc import Callable
from pathlib import Path

from casashore.errors import UserError
from casashore.route.sip.message import MAX_MESSAGE_BYTES, SipParseError, parse, response
from casashore.route.sip.owner_only import check_owner_only

log = logging.getLogger("casashore.sip.tls")
HANDSHAKE_S = 10.0
"""A TLS handshake not finished within this is dropped (a peer opening connections and sending nothing)."""
CONTENT_LENGTH = re.compile(rb"^(?:content-length|l)[ \t]*:[ \t]*([0-9]{1,10})[ \t]*$", re.I | re.M)
KEEP_ALIVE = b"\r\n\r\n"


class StreamAddress(tuple):
    """A TLS peer's (host, port): equal to the plain tuple (the front's tables and checks are the same), but
    marked, so that what is sent to it goes on its connection — never as a plaintext datagram, even once the
    connection is gone."""

    __slots__ = ()


def server_context(cert: str, key: str) -> ssl.SSLContext:
    """A server context of TLS 1.2 at least with Python's default ciphers; a certificate or key that cannot be
    read is a UserError naming the field and the file."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    for field, path in (("router.tls_cert", cert), ("router.tls_key", key)):
        try:
            with open(path, "rb") as readable:
                readable.read(1)
        except OSError as exc:
            raise UserError(field, path, f"a readable PEM file ({exc.strerror})") from None
    check_owner_only("router.tls_key", Path(key))
    try:
        context.load_cert_chain(cert, key)
    except (ssl.SSLError, ValueError) as exc:
        raise UserError("router.tls_cert", cert, f"a PEM certificate chain matching router.tls_key ({exc})") from None
    return context


class SipStream(asyncio.Protocol):
    """One TLS connection: frames messages and hands each to ``deliver(data, addr)``."""

    def __init__(self, listener: TlsListener) -> None:
        self.listener = listener
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.addr = StreamAddress(("", 0))
        self.idle: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.addr = StreamAddress(transport.get_extra_info("peername")[:2])
        if len(self.listener.connections) >= self.listener.max_connections:
            self.listener.counters["tls_refused_connections"] += 1
            transport.abort()
            return
        self.listener.opened(self)
        self._touch()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.idle is not None:
            self.idle.cancel()
        self.listener.closed(self)

    def _touch(self) -> None:
        if self.idle is not None:
            self.idle.cancel()
        self.idle = asyncio.get_running_loop().call_later(self.listener.idle_s, self._idle)

    def _idle(self) -> None:
        self.listener.counters["tls_idle_closed"] += 1
        self.close()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def write(self, data: bytes) -> bool:
        if self.transport is None or self.transport.is_closing():
            return False
        self.transport.write(data)
        return True

    def data_received(self, data: bytes) -> None:
        self._touch()
        self.buffer += data
        while self.buffer and self.transport is not None and not self.transport.is_closing():
            if not self._next_message():
                break

    def _next_message(self) -> bool:
        """Take one message (or keep-alive) off the buffer; False when more bytes are needed or it closed."""
        if self.buffer.startswith(KEEP_ALIVE):
            del self.buffer[:len(KEEP_ALIVE)]
            self.write(b"\r\n")
            return True
        if self.buffer.startswith(b"\r\n"):  # a single CRLF (the pong form, or padding between messages)
            if len(self.buffer) < len(KEEP_ALIVE) and KEEP_ALIVE.startswith(bytes(self.buffer)):
                return False
            del self.buffer[:2]
            return True
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_MESSAGE_BYTES:
                self._refuse("tls_oversized")
            return False
        head = bytes(self.buffer[:end])
        lengths = CONTENT_LENGTH.findall(head)
        if len(lengths) != 1:  # where the next message starts is unknown: a 400 when it can be said, and close
            self.listener.counters["tls_unframed"] += 1
            with contextlib.suppress(SipParseError):
                request = parse(head + b"\r\nContent-Length: 0\r\n\r\n")
                if request.is_request and request.method != "ACK":
                    self.write(response(request, 400, extra=[
                        ("Warning", '399 casashore "one Content-Length is required on a stream"')]))
            self.close()
            return False
        size = end + 4 + int(lengths[0])
        if size > MAX_MESSAGE_BYTES:
            self._refuse("tls_oversized")
            return False
        if len(self.buffer) < size:
            return False
        message = bytes(self.buffer[:size])
        del self.buffer[:size]
        self.listener.counters["tls_received"] += 1
        self.listener.deliver(message, self.addr)
        return True

    def _refuse(self, counter: str) -> None:
        self.listener.counters[counter] += 1
        self.buffer.clear()
        self.close()


class TlsListener:
    """The listening socket and its open connections, by peer address."""

    def __init__(self, deliver: Callable[[bytes, tuple[str, int]], None], counters, *, max_connections: int,
                 idle_s: float) -> None:
        self.deliver, self.counters = deliver, counters
        self.max_connections, self.idle_s = max_connections, idle_s
        self.connections: dict[tuple[str, int], SipStream] = {}
        self.server: asyncio.Server | None = None

    def opened(self, stream: SipStream) -> None:
        self.connections[stream.addr] = stream
        self.counters["tls_connections"] += 1

    def closed(self, stream: SipStream) -> None:
        if self.connections.get(stream.addr) is stream:
            del self.connections[stream.addr]

    def send(self, data: bytes, addr: tuple[str, int]) -> bool:
        """Write to the connection of ``addr``: False when it is gone (the message is dropped: RFC 3261
        §18.2.2 would open a new connection to the Via's sent-by; a trunk keeps its connection open instead)."""
        stream = self.connections.get(addr)
        return stream is not None and stream.write(data)

    async def start(self, host: str, port: int, context: ssl.SSLContext) -> None:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: SipStream(self), host, port, ssl=context,
                                               ssl_handshake_timeout=HANDSHAKE_S)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for stream in list(self.connections.values()):
            stream.close()


async def start_tls(front, host: str, port: int, context: ssl.SSLContext, *, max_connections: int,
                    idle_s: float) -> TlsListener:
    """Listen for SIP over TLS on ``host``:``port`` and feed the front (sip/front.py ``SipFront``): its
    messages in through ``message_received``, its answers out through its transport."""
    listener = TlsListener(front.message_received, front.counters, max_connections=max_connections, idle_s=idle_s)
    await listener.start(host, port, context)
    front.transport.streams = listener
    front.transport.tls_port = listener.server.sockets[0].getsockname()[1]
    return listener
