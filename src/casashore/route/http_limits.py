"""A size limit on the router API's request bodies, counted as the bytes arrive.

Content-Length alone is not enough: a chunked body declares nothing. The limit is applied in the ASGI receive
channel, before FastAPI reads the body and before the token is checked, so an oversized request costs at most
``limit`` bytes of memory whoever sends it.
"""

from __future__ import annotations

import json

MAX_BODY_BYTES = 4_096
"""The router's requests are small JSON objects (a status, a call, a number)."""


class BodyLimit:
    """ASGI middleware: 413 with a JSON error for a body over ``limit`` bytes, declared or streamed."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(send, declared.decode("latin-1")[:20])
            return
        received, refused = 0, False

        async def limited_receive():
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                received += len(message.get("body", b""))
                if received > self.limit:
                    refused = True
                    await self._refuse(send, f"more than {received}")
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message) -> None:
            if not refused:  # the 413 has been sent: the application's own answer is dropped
                await send(message)

        await self.app(scope, limited_receive, guarded_send)

    async def _refuse(self, send, size: str) -> None:
        body = json.dumps({"error": f"body: {size} bytes is not valid; expected at most {self.limit} bytes"})
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body.encode()})
