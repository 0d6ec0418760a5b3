"""The SIP registrar (RFC 3261 §10.3): agents' phones REGISTER with digest authentication (digest.py) and the
contacts they give are bound to the agent (state/registrations.py) until they expire.

Every REGISTER is checked whole before anything changes, in this order: the source's failed attempts (over
the limit: 503 with Retry-After), credentials (none: 401 challenge; unreadable: 400; wrong user or password:
403; a right answer to an old nonce: 401 ``stale=true``; a nonce count already used: 401 with a new nonce), the
address of record (the To user must be the authenticated user: 403), then the contacts (``*`` only with Expires: 0;
an interval under the minimum: 423 with Min-Expires; more contacts than the agent may have: 403; an older CSeq
of the same Call-ID: 400). Only then are the agent's bindings replaced, in one step. Refusals that show a wrong
secret (403, a replayed count) count as failures of the source address.
"""

from __future__ import annotations

import hmac
import logging
import math
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field

from casashore.route.sip.digest import (
    ALGORITHMS,
    DigestError,
    Nonces,
    challenge,
    expected_response,
    parse_credentials,
)
from casashore.route.sip.message import SipMessage, param, uri_user
from casashore.route.state.registrations import Binding, Registrations

log = logging.getLogger("casashore.sip.registrar")
MAX_FAILURES = 10
"""Failed attempts (wrong user, password, replayed nonce count, another agent's To) a source address may make
in FAILURE_WINDOW_S; beyond, its REGISTERs get 503 with Retry-After until the oldest failure leaves the window."""
FAILURE_WINDOW_S = 60.0
MAX_SOURCES_TRACKED = 10_000
"""Source addresses whose failures are remembered at most (the oldest forgotten first)."""
MAX_CONTACTS_PER_REQUEST = 10
"""Contacts one REGISTER may name (beyond: 400), before the agent's own limit is applied."""
MAX_CONTACT_URI = 256
MAX_EXPIRES = 2**32 - 1
"""RFC 3261 §20.19: a larger Expires is taken as this (and then cut to the registrar's maximum)."""
REQUIRED = ("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce")


@dataclass(frozen=True)
class Account:
    """An agent's SIP credentials: the digest username and HA1 per algorithm (never the password)."""

    agent_id: str
    ha1: dict[str, str]


@dataclass(frozen=True)
class Limits:
    min_expires_s: int = 60
    max_expires_s: int = 3600
    default_expires_s: int = 3600
    max_contacts: int = 3


class Refused(Exception):
    """A REGISTER refused: the status and the headers of the answer."""

    def __init__(self, status: int, extra: list[tuple[str, str]] | None = None, *, why: str = "") -> None:
        super().__init__(why)
        self.status, self.extra = status, extra or []


@dataclass
class FailureLimit:
    """Failed attempts per source address within a sliding window."""

    max_failures: int = MAX_FAILURES
    window_s: float = FAILURE_WINDOW_S
    capacity: int = MAX_SOURCES_TRACKED
    _failures: OrderedDict[str, deque] = field(default_factory=OrderedDict)

    def retry_after(self, source: str, now: float) -> float | None:
        """Seconds until ``source`` may try again, None when it may now."""
        times = self._failures.get(source)
        if times is None:
            return None
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[source]
            return None
        return times[0] + self.window_s - now if len(times) >= self.max_failures else None

    def failed(self, source: str, now: float) -> None:
        times = self._failures.pop(source, deque())
        times.append(now)
        self._failures[source] = times  # (most recently failing last)
        while len(self._failures) > self.capacity:
            self._failures.popitem(last=False)


def escaped(text: str, limit: int = 64) -> str:
    """A peer's text as a log may show it: cut, every control or non-ASCII character escaped."""
    return repr(text[:limit])


class Registrar:
    def __init__(self, accounts: dict[str, Account], registrations: Registrations, *, realm: str = "casashore",
                 algorithms: tuple[str, ...] = ("SHA-256", "MD5"), limits: Limits = Limits(),
                 nonces: Nonces | None = None, failures: FailureLimit | None = None) -> None:
        """``accounts``: digest username -> account; ``algorithms``: offered, the preferred first (RFC 7616
        §3.7); each account has an HA1 for each."""
        self.accounts, self.registrations = accounts, registrations
        self.realm, self.algorithms, self.limits = realm, tuple(algorithms), limits
        self.nonces = nonces or Nonces()
        self.failures = failures or FailureLimit()
        self.counters: Counter = Counter()
        self._dummy_ha1 = {a: "0" * len(ALGORITHMS[a]().hexdigest()) for a in ALGORITHMS}

    def handle(self, request: SipMessage, addr: tuple[str, int]) -> tuple[int, list[tuple[str, str]]]:
        """The answer to a REGISTER (status, extra headers); the agent's bindings changed only on a 200."""
        now = self.registrations.clock()
        try:
            agent_id = self._authenticated(request, addr[0], now)
            return 200, self._bind(agent_id, request, addr, now)
        except Refused as refused:
            self.counters[f"register_{refused.status}"] += 1
            return refused.status, refused.extra

    # -- who is asking ---------------------------------------------------------------------------------
    def _challenges(self, now: float, stale: bool = False) -> list[tuple[str, str]]:
        nonce = self.nonces.issue(now)  # one nonce, offered with each algorithm
        return [("WWW-Authenticate", challenge(self.realm, nonce, algorithm, stale=stale))
                for algorithm in self.algorithms]

    def _failed(self, source: str, now: float, status: int, why: str, user: str,
                extra: list[tuple[str, str]] | None = None) -> Refused:
        self.failures.failed(source, now)
        self.counters["register_failures"] += 1
        log.warning("REGISTER refused (%s) for user %s from %s", why, escaped(user), source)
        return Refused(status, extra, why=why)

    def _authenticated(self, request: SipMessage, source: str, now: float) -> str:
        """The agent the request is authenticated for, or Refused."""
        wait = self.failures.retry_after(source, now)
        if wait is not None:
            self.counters["register_rate_limited"] += 1
            raise Refused(503, [("Retry-After", str(max(1, math.ceil(wait))))], why="too many failures")
        try:
            ours = [c for c in map(parse_credentials, request.all("Authorization")) if c.get("realm") == self.realm]
        except DigestError as exc:
            raise Refused(400, _warning(f"Authorization: {exc}")) from None
        if not ours:
            raise Refused(401, self._challenges(now), why="no credentials")
        if len(ours) > 1:
            raise Refused(400, _warning("more than one Authorization for this realm"))
        creds = ours[0]
        missing = [name for name in REQUIRED if not creds.get(name)]
        if missing:
            raise Refused(400, _warning(f"Authorization: missing {', '.join(missing)}"))
        algorithm = creds.get("algorithm", "MD5")
        if algorithm not in self.algorithms or creds["qop"] != "auth":  # not what we offered: offer it again
            raise Refused(401, self._challenges(now), why="algorithm or qop not offered")
        nc = creds["nc"]
        if len(nc) != 8 or any(c not in "0123456789abcdefABCDEF" for c in nc):
            raise Refused(400, _warning("Authorization: nc is not 8 hexadecimal digits"))
        if creds["uri"] != request.uri:
            raise Refused(400, _warning("Authorization: uri is not the Request-URI"))
        user = creds["username"]
        account = self.accounts.get(user)
        ha1 = account.ha1[algorithm] if account is not None else self._dummy_ha1[algorithm]
        expected = expected_response(algorithm, ha1, method="REGISTER", uri=creds["uri"], nonce=creds["nonce"],
                                     nc=nc, cnonce=creds["cnonce"])
        # (as bytes: compare_digest refuses non-ASCII text, which a peer may send)
        if not hmac.compare_digest(expected.encode(), creds["response"].lower().encode()) or account is None:
            raise self._failed(source, now, 403, "wrong user or password", user)
        state = self.nonces.use(creds["nonce"], nc, now)
        if state == "stale":  # the right secret on an old nonce: the phone retries without asking its user
            raise Refused(401, self._challenges(now, stale=True), why="stale nonce")
        if state == "replayed":
            raise self._failed(source, now, 401, "nonce count replayed", user, self._challenges(now))
        if uri_user(request.get("To") or "") != user:  # no agent registers another agent's phone
            raise self._failed(source, now, 403, "To is another user", user)
        return account.agent_id

    # -- what it asks for ------------------------------------------------------------------------------
    def _bind(self, agent_id: str, request: SipMessage, addr: tuple[str, int], now: float) -> list[tuple[str, str]]:
        entries = [e for header in request.all("Contact") for e in _split_contacts(header)]
        header_expires = _expires(request.get("Expires"))
        current = self.registrations.current(agent_id, now)
        if not entries:  # a query: the bindings as they are
            return self._listing(current, now)
        if len(entries) > MAX_CONTACTS_PER_REQUEST:
            raise Refused(400, _warning(f"more than {MAX_CONTACTS_PER_REQUEST} contacts"))
        call_id, cseq = request.call_id, request.cseq[0]
        if "*" in entries:
            if len(entries) != 1 or header_expires != 0:
                raise Refused(400, _warning("Contact: * needs Expires: 0 and no other contact"))
            for binding in current:
                _in_order(binding, call_id, cseq)
            self.registrations.replace(agent_id, ())
            log.info("agent %s unregistered every contact", agent_id)
            return []
        bindings = {b.contact: b for b in current}
        source = f"{addr[0]}:{addr[1]}"
        for entry in entries:
            uri, expires = _contact(entry)
            expires = header_expires if expires is None else expires
            expires = self.limits.default_expires_s if expires is None else expires
            if 0 < expires < self.limits.min_expires_s:
                raise Refused(423, [("Min-Expires", str(self.limits.min_expires_s))])
            if uri in bindings:
                _in_order(bindings[uri], call_id, cseq)
            if expires == 0:
                bindings.pop(uri, None)
            else:
                bindings[uri] = Binding(uri, now + min(expires, self.limits.max_expires_s), call_id, cseq, source,
                                        now)
        if len(bindings) > self.limits.max_contacts:
            raise Refused(403, _warning(f"at most {self.limits.max_contacts} contacts per agent"))
        self.registrations.replace(agent_id, list(bindings.values()))
        self.counters["registered" if bindings else "unregistered"] += 1
        log.info("agent %s has %d contact(s), from %s", agent_id, len(bindings), source)
        return self._listing(self.registrations.current(agent_id, now), now)

    @staticmethod
    def _listing(bindings, now: float) -> list[tuple[str, str]]:
        return [("Contact", f"<{b.contact}>;expires={max(0, int(b.expires_at - now))}") for b in bindings]


def _warning(text: str) -> list[tuple[str, str]]:
    """A Warning header (RFC 3261 §20.43) whose quoted text stays one quoted string, whatever a peer sent."""
    return [("Warning", '399 casashore "' + text.replace('"', "'").replace("\\", "/")[:200] + '"')]


def _in_order(binding: Binding, call_id: str, cseq: int) -> None:
    """RFC 3261 §10.3 step 7: a REGISTER of the same Call-ID must come with a higher CSeq."""
    if binding.call_id == call_id and cseq <= binding.cseq:
        raise Refused(400, _warning(f"CSeq {cseq} not above {binding.cseq} for this Call-ID"))


def _expires(value: str | None) -> int | None:
    """A delta-seconds value (Expires header or parameter), None when absent; 400 when not digits."""
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit() or not value.isascii():
        raise Refused(400, _warning("Expires is not a number of seconds"))
    return MAX_EXPIRES if len(value) > 10 else min(int(value), MAX_EXPIRES)


def _split_contacts(header: str) -> list[str]:
    """A Contact header's comma-separated entries (commas inside quotes or <…> are not separators)."""
    entries, current, quoted, bracket = [], [], False, False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif char == "<" and not quoted:
            bracket = True
        elif char == ">" and not quoted:
            bracket = False
        if char == "," and not quoted and not bracket:
            entries.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    entries.append("".join(current).strip())
    return [e for e in entries if e]


def _contact(entry: str) -> tuple[str, int | None]:
    """A contact entry's URI and its expires parameter (None when absent); 400 when the URI is not a SIP URI
    of at most MAX_CONTACT_URI printable characters."""
    if "<" in entry:
        uri = entry.split("<", 1)[1].split(">", 1)[0]
    else:
        uri = entry.split(";", 1)[0].strip()
    if not (uri.lower().startswith(("sip:", "sips:")) and len(uri) <= MAX_CONTACT_URI
            and all("\x21" <= c <= "\x7e" and c not in '<>"' for c in uri)):
        raise Refused(400, _warning(f"Contact: expected a sip: URI of at most {MAX_CONTACT_URI} characters"))
    return uri, _expires(param(entry, "expires"))
