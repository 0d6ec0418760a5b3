"""HTTP Digest authentication as SIP uses it (RFC 3261 §22, RFC 7616): the challenge, the check of a response,
and the nonces.

Only ``qop=auth`` with MD5 or SHA-256 (no ``-sess`` variants, no ``auth-int``, no ``userhash``): what phones and
SIPp send. The server never holds a password, only HA1 = H(username:realm:password) per algorithm.

Nonces are stateless until used: ``issued.random.mac`` where mac is an HMAC of the first two parts under a secret
drawn at each server start, so a nonce cannot be forged, names its own age (expiry without a table) and a nonce
from before a restart, or from another node, is merely stale. Replay is refused by the nonce count: each nonce's
highest ``nc`` accepted is remembered (bounded; a nonce forgotten early is treated as stale, never as new).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections import OrderedDict
from dataclasses import dataclass

ALGORITHMS = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
"""Digest algorithms offered, by their RFC 7616 names."""
HA1_LENGTH = {"MD5": 32, "SHA-256": 64}
NONCE_LIFETIME_S = 300.0
"""A nonce is accepted this long after it was issued; later its correct response gets ``stale=true``."""
MAX_NONCES_TRACKED = 10_000
"""Nonces whose count is remembered at most (only nonces used with valid credentials enter)."""
_PARAM = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,"]*)\s*(?:,|$)')


class DigestError(ValueError):
    """An Authorization header that cannot be read."""


def digest_hash(algorithm: str, text: str) -> str:
    return ALGORITHMS[algorithm](text.encode("utf-8")).hexdigest()


def make_ha1(algorithm: str, username: str, realm: str, password: str) -> str:
    """H(username:realm:password): what the centre file stores instead of the password (RFC 7616 §3.4.2)."""
    return digest_hash(algorithm, f"{username}:{realm}:{password}")


def expected_response(algorithm: str, ha1: str, *, method: str, uri: str, nonce: str, nc: str, cnonce: str,
                      qop: str = "auth") -> str:
    """The response a client knowing the password sends (RFC 7616 §3.4.1, qop=auth)."""
    ha2 = digest_hash(algorithm, f"{method}:{uri}")
    return digest_hash(algorithm, f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")


def parse_credentials(header: str) -> dict[str, str]:
    """``Digest k=v, k="v" …`` -> {k: v} (keys lower-cased, quotes and escapes removed). A header that is not
    Digest, repeats a parameter or cannot be read raises DigestError."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        raise DigestError(f"scheme {scheme[:20]!r}; expected Digest")
    found: dict[str, str] = {}
    at = 0
    rest = rest.strip()
    while at < len(rest):
        match = _PARAM.match(rest, at)
        if match is None or match.end() == at:
            raise DigestError(f"unreadable parameters at {rest[at:at + 20]!r}")
        key, value = match.group(1).lower(), match.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        if key in found:
            raise DigestError(f"parameter {key!r} given twice")
        found[key] = value
        at = match.end()
    return found


def challenge(realm: str, nonce: str, algorithm: str, *, stale: bool = False) -> str:
    """A WWW-Authenticate value (RFC 7616 §3.3)."""
    return (f'Digest realm="{realm}", nonce="{nonce}", algorithm={algorithm}, qop="auth"'
            + (", stale=true" if stale else ""))


@dataclass
class Nonces:
    """Issues nonces and checks them: ``fresh``, ``stale`` (expired, forged, from another start or node, or
    forgotten) or ``replayed`` (a nonce count not above the last one accepted)."""

    secret: bytes = b""
    lifetime_s: float = NONCE_LIFETIME_S
    capacity: int = MAX_NONCES_TRACKED

    def __post_init__(self) -> None:
        self.secret = self.secret or os.urandom(32)  # per server start: an old nonce is stale, never valid
        self._counts: OrderedDict[str, int] = OrderedDict()
        self._forgotten_up_to = float("-inf")
        """Issue time of the newest nonce let go early: a nonce not newer and not tracked may have been used."""

    def issue(self, now: float) -> str:
        stem = f"{int(now * 1000)}.{os.urandom(8).hex()}"
        return f"{stem}.{self._mac(stem)}"

    def _mac(self, stem: str) -> str:
        return hmac.new(self.secret, stem.encode(), hashlib.sha256).hexdigest()[:32]

    def issued_at(self, nonce: str) -> float | None:
        """When the nonce was issued, or None when it is not one of ours (this start's)."""
        parts = nonce.split(".")
        if len(parts) != 3 or not hmac.compare_digest(self._mac(f"{parts[0]}.{parts[1]}").encode(),
                                                      parts[2].encode()):
            return None
        try:
            return int(parts[0]) / 1000
        except ValueError:
            return None

    def use(self, nonce: str, nc: str, now: float) -> str:
        """Check ``nonce`` with nonce count ``nc`` (8 hex digits) for credentials already found right, and
        remember the count when fresh."""
        issued = self.issued_at(nonce)
        if issued is None or now - issued > self.lifetime_s or issued > now:
            return "stale"
        count = int(nc, 16)
        last = self._counts.get(nonce)
        if last is None and issued <= self._forgotten_up_to:
            return "stale"
        if last is not None and count <= last:
            return "replayed"
        self._counts[nonce] = count
        self._counts.move_to_end(nonce)
        while len(self._counts) > self.capacity:
            old, _ = self._counts.popitem(last=False)
            self._forgotten_up_to = max(self._forgotten_up_to, self.issued_at(old) or 0.0)
        self._forget_expired(now)
        return "fresh"

    def _forget_expired(self, now: float) -> None:
        for nonce in list(self._counts)[:16]:  # a few per use: expired ones are refused anyway by their age
            issued = self.issued_at(nonce)
            if issued is not None and now - issued > self.lifetime_s:
                del self._counts[nonce]
