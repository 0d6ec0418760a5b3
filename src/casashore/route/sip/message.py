"""SIP messages (RFC 3261 §7): parsing a datagram into a message, and building responses and requests.

Strict where a wrong reading would route a call wrongly (start line, CSeq, Content-Length, the headers a
transaction needs), lenient where RFC 3261 asks to be (header name case, compact forms, folded lines, bare LF
line ends). Anything else raises ``SipParseError``, which the front turns into a 400 or, when not even the
headers to answer exist, drops the datagram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_MESSAGE_BYTES = 8_192
"""Largest datagram read; larger ones are dropped unread. An INVITE with its SDP takes 1-3 KB; RFC 3261 §18.1.1
sends anything near the path MTU over TCP, which this UDP-only front does not offer."""
MAX_HEADERS = 64
"""Header lines per message (after unfolding)."""
MAX_HEADER_LINE = 1_024
"""Characters per header line (after unfolding)."""
MAX_CALL_ID = 256
"""Characters of a Call-ID (the router's own id for the call is derived from it: state/call_ids.py)."""
MAGIC_COOKIE = "z9hG4bK"
"""The branch prefix of RFC 3261 transactions; without it a request is matched the RFC 2543 way (§17.2.3)."""
COMPACT = {"v": "Via", "f": "From", "t": "To", "i": "Call-ID", "m": "Contact", "l": "Content-Length",
           "c": "Content-Type", "k": "Supported", "s": "Subject", "e": "Content-Encoding"}
KNOWN = ("Via", "From", "To", "Call-ID", "CSeq", "Contact", "Content-Length", "Content-Type", "Max-Forwards",
         "Allow", "Retry-After", "Supported", "User-Agent", "Route", "Record-Route", "Server", "Authorization",
         "Expires")
CANONICAL = {name.lower(): name for name in KNOWN} | COMPACT
REQUIRED = ("Via", "From", "To", "Call-ID", "CSeq")
DIALOG_HEADERS = frozenset(("Via", "From", "To", "Call-ID", "CSeq", "Contact", "Record-Route", "Content-Type",
                            "Content-Length"))
TOKEN = re.compile(r"^[A-Za-z0-9.!%*_+`'~-]+$")
REASONS = {100: "Trying", 180: "Ringing", 200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 423: "Interval Too Brief",
           405: "Method Not Allowed", 408: "Request Timeout", 480: "Temporarily Unavailable",
           481: "Call/Transaction Does Not Exist", 486: "Busy Here", 487: "Request Terminated",
           488: "Not Acceptable Here", 491: "Request Pending", 500: "Server Internal Error", 183: "Session Progress",
           503: "Service Unavailable", 505: "Version Not Supported"}


class SipParseError(ValueError):
    """A message that cannot be read; ``status`` is the response it deserves (400 or 505)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


@dataclass
class SipMessage:
    method: str | None = None
    uri: str = ""
    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def get(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]

    @property
    def is_request(self) -> bool:
        return self.method is not None

    @property
    def cseq(self) -> tuple[int, str]:
        number, method = (self.get("CSeq") or "").split()
        return int(number), method

    @property
    def top_via(self) -> str:
        return self.all("Via")[0].split(",")[0].strip()

    @property
    def branch(self) -> str:
        return param(self.top_via, "branch") or ""

    @property
    def sent_by(self) -> str:
        """The top Via's host[:port], lower-cased (``SIP/2.0/UDP 10.0.0.1:5060;branch=…`` -> ``10.0.0.1:5060``)."""
        protocol_and_host = self.top_via.split(";", 1)[0].split(None, 1)
        return protocol_and_host[1].strip().lower() if len(protocol_and_host) == 2 else ""

    def slim(self) -> SipMessage:
        """The message with only the headers a dialog needs: what the front keeps of a call's INVITE (a peer's
        padding is not held for the length of a call)."""
        kept = [(name, value) for name, value in self.headers if name in DIALOG_HEADERS]
        return SipMessage(self.method, self.uri, self.status, self.reason, kept, self.body)

    @property
    def call_id(self) -> str:
        return self.get("Call-ID") or ""


def param(header: str, name: str) -> str | None:
    """A ;name=value parameter of a header value (outside its <uri>), None when absent."""
    rest = header.split(">", 1)[1] if ">" in header else header
    for part in rest.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == name:
            return value.strip()
    return None


def uri_user(uri: str) -> str:
    """The user part of a SIP URI (``sip:fr@host`` -> ``fr``); empty when the URI has none."""
    address = uri.split("<", 1)[1].split(">", 1)[0] if "<" in uri else uri
    address = address.split(":", 1)[1] if ":" in address else address
    return address.split("@", 1)[0] if "@" in address else ""


def transaction_key(message: SipMessage, method: str | None = None) -> tuple:
    """The server transaction a request belongs to (RFC 3261 §17.2.3), ``method`` the transaction's (INVITE for
    an ACK to a non-2xx or for the INVITE a CANCEL names). With the magic cookie: branch, sent-by and method. An
    RFC 2543 peer's request has no unique branch: Request-URI, From tag, Call-ID, CSeq number and the top Via
    (the To tag is left out: the ACK carries ours, the INVITE none)."""
    method = method or message.method or ""
    branch = message.branch
    if branch.startswith(MAGIC_COOKIE):
        return ("3261", branch, message.sent_by, method)
    return ("2543", message.uri, param(message.get("From") or "", "tag") or "", message.call_id,
            message.cseq[0], message.top_via, method)


def parse(data: bytes) -> SipMessage:
    if len(data) > MAX_MESSAGE_BYTES:
        raise SipParseError(f"message of {len(data)} bytes; at most {MAX_MESSAGE_BYTES}")
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
        if not sep:
            raise SipParseError("no blank line after the headers")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise SipParseError("headers are not UTF-8") from None
    lines = text.replace("\r\n", "\n").split("\n")
    message = _start_line(lines[0])
    unfolded: list[str] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and unfolded:
            unfolded[-1] += " " + line.strip()
        elif line:
            unfolded.append(line)
    if len(unfolded) > MAX_HEADERS:
        raise SipParseError(f"{len(unfolded)} header lines; at most {MAX_HEADERS}")
    for line in unfolded:
        if len(line) > MAX_HEADER_LINE:
            raise SipParseError(f"header line of {len(line)} characters; at most {MAX_HEADER_LINE}")
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not TOKEN.match(name):
            raise SipParseError(f"malformed header line {line[:40]!r}")
        message.headers.append((CANONICAL.get(name.lower(), name), value.strip()))
    missing = [name for name in REQUIRED if message.get(name) is None]
    if missing:
        raise SipParseError(f"missing {', '.join(missing)}")
    if not message.call_id or len(message.call_id) > MAX_CALL_ID:
        raise SipParseError(f"Call-ID of {len(message.call_id)} characters; expected 1 to {MAX_CALL_ID}")
    try:
        number, method = message.cseq
    except ValueError:
        raise SipParseError(f"malformed CSeq {message.get('CSeq')!r}") from None
    if not 0 <= number < 2**31 or (message.is_request and method != message.method):
        raise SipParseError(f"CSeq {message.get('CSeq')!r} does not match the request")
    message.body = _body(message, body)
    return message


def _start_line(line: str) -> SipMessage:
    parts = line.split(" ", 2)
    if len(parts) != 3:
        raise SipParseError(f"malformed start line {line[:60]!r}")
    if parts[0] == "SIP/2.0":
        if not (parts[1].isdigit() and len(parts[1]) == 3 and 100 <= int(parts[1]) <= 699):
            raise SipParseError(f"malformed status code {parts[1][:10]!r}")
        return SipMessage(status=int(parts[1]), reason=parts[2])
    method, uri, version = parts
    if version != "SIP/2.0":
        raise SipParseError(f"SIP version {version[:20]!r}", 505 if version.startswith("SIP/") else 400)
    if not TOKEN.match(method) or ":" not in uri or " " in uri:
        raise SipParseError(f"malformed request line {line[:60]!r}")
    return SipMessage(method=method, uri=uri)


def _body(message: SipMessage, body: bytes) -> bytes:
    declared = message.get("Content-Length")
    if declared is None:
        return body  # allowed over UDP: the datagram ends the body
    if not declared.isdigit():
        raise SipParseError(f"malformed Content-Length {declared[:20]!r}")
    if int(declared) > len(body):
        raise SipParseError(f"Content-Length {declared} exceeds the {len(body)} bytes received")
    return body[:int(declared)]


def response(request: SipMessage, status: int, *, to_tag: str | None = None, extra: list[tuple[str, str]] = (),
             body: bytes = b"", content_type: str = "application/sdp") -> bytes:
    """The response to a request (§8.2.6): its Via, From, Call-ID, CSeq copied; To with our tag."""
    lines = [f"SIP/2.0 {status} {REASONS.get(status, 'Unknown')}"]
    lines += [f"Via: {via}" for via in request.all("Via")]
    to = request.get("To") or ""
    if to_tag is not None and param(to, "tag") is None and status > 100:
        to = f"{to};tag={to_tag}"
    lines += [f"From: {request.get('From')}", f"To: {to}", f"Call-ID: {request.call_id}",
              f"CSeq: {request.get('CSeq')}"]
    lines += [f"{name}: {value}" for name, value in extra]
    if body:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def request(method: str, uri: str, headers: list[tuple[str, str]], body: bytes = b"",
            content_type: str = "application/sdp") -> bytes:
    lines = [f"{method} {uri} SIP/2.0"] + [f"{name}: {value}" for name, value in headers]
    if body:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
