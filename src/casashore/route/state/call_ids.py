"""How the router names a call: the trunk's Call-ID is data, the router's id is the address.

A SIP Call-ID may hold ``/``, ``?``, ``#``, ``%`` and other characters that break a URL path (RFC 3261 §25.1:
``word ["@" word]``), so the API, the WebSocket events, the desktops, the wallboard and the Redis keys address a
call by an id the router derives from it: ``c`` and 24 base32 characters of a BLAKE2b digest of the Call-ID. The
digest, not a counter, so that every node of a centre finds the same id for a re-sent INVITE without asking
anyone (a collision needs 2^60 calls). The Call-ID itself is kept on the call (``Call.trunk_call_id``) and in
the records.
"""

from __future__ import annotations

import base64
import hashlib
import re

from casashore.errors import UserError

ROUTER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""What the router accepts as a call's id: safe in a URL path, a Redis key and a space-separated pair."""
MAX_TRUNK_CALL_ID = 256
"""Longest Call-ID (or API call_id) accepted, in characters."""


def router_id(trunk_call_id: str) -> str:
    """The router's id for the call a trunk names ``trunk_call_id`` (the same on every node)."""
    digest = hashlib.blake2b(trunk_call_id.encode("utf-8", "surrogatepass"), digest_size=15).digest()
    return "c" + base64.b32encode(digest).decode("ascii").lower()


def check_router_id(call_id: str) -> str:
    """``call_id`` when it is a valid router id; a UserError naming the value and the expectation otherwise."""
    if not isinstance(call_id, str) or not ROUTER_ID.match(call_id):
        raise UserError("call_id", call_id, "1 to 64 letters, digits, '_' or '-' (the router's id of a call; see "
                                            "casashore.route.state.call_ids.router_id)")
    return call_id
