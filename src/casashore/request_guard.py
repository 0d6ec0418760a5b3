"""The checks every request to ``casashore serve`` (and, its body limit, to the router's API) passes before
the application reads a byte of its body, as one plain ASGI wrapper (Starlette's BaseHTTPMiddleware costs
about a third of a small request's time):

1. on a loopback bind, the Host header must name loopback (127.0.0.1, localhost, [::1], any port): a page
   on another site that rebinds its DNS name to 127.0.0.1 sends its own name and is refused (400);
2. a request that changes something (any method but GET, HEAD, OPTIONS) carrying an Origin header must come
   from the page's own origin (Origin's host and port equal to Host), else 403: another site's page cannot
   post to the API through the user's browser;
3. with a token, a protected path (stored scenarios and plans: business data) needs ``Authorization: Bearer
   TOKEN`` (compared in constant time), else 401 — checked before the body is read;
4. the body is counted as it streams, whatever Content-Length or chunked encoding say, and refused with 413
   as soon as it passes the limit; at most the limit is ever held in memory.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from urllib.parse import urlsplit

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _host_part(host: str) -> str:
    """``127.0.0.1`` from ``127.0.0.1:8000``, ``::1`` from ``[::1]:8000``; lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class RequestGuard:
    """Wraps the API: host, origin, token and body-size checks, in that order (see the module's doc)."""

    def __init__(self, app, *, loopback: bool, token: str | None, protected: Callable[[str, str], bool],
                 max_body_bytes: int):
        self.app, self.loopback, self.token = app, loopback, token
        self.protected, self.max_body_bytes = protected, max_body_bytes

    def __getattr__(self, name):  # the wrapped app's attributes (routes, openapi ...) stay reachable
        return getattr(self.app, name)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._check_headers(scope)
            receive = await self._bounded_body(scope, receive)
        except Refused as refusal:
            await _refuse(send, refusal)
            return
        await self.app(scope, receive, send)

    def _check_headers(self, scope) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        host = headers.get("host", "")
        if self.loopback and _host_part(host) not in LOOPBACK_HOSTS:
            raise Refused(400, f"host: {host!r} is not valid; expected 127.0.0.1, localhost or [::1] (this "
                               "server listens on loopback only)")
        if scope["method"] not in SAFE_METHODS and "origin" in headers:
            origin = urlsplit(headers["origin"]).netloc.lower()
            if origin != host.strip().lower():
                raise Refused(403, f"origin: {headers['origin']!r} is not valid; expected this server's own "
                                   "pages (requests from other sites are refused)")
        if self.token is not None and self.protected(scope["method"], scope["path"]):
            given = headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                raise Refused(401, "a valid bearer token is required for stored scenarios and plans on this "
                                   "server")
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            raise Refused(413, f"request body: at most {self.max_body_bytes} bytes")

    async def _bounded_body(self, scope, receive):
        """Read the whole body now, counting bytes as they arrive (chunked or not), and hand the application a
        receive that replays it: the application never sees more than the limit."""
        if scope["method"] in SAFE_METHODS:
            return receive
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: pass that on
                replay = [message]
                break
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                raise Refused(413, f"request body: at most {self.max_body_bytes} bytes")
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]
                break

        async def replayed():
            return replay.pop() if replay else await receive()

        return replayed


async def _refuse(send, refusal: Refused) -> None:
    body = json.dumps({"error": refusal.message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    if refusal.status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
