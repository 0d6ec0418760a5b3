"""SIP messages (RFC 3261 §7): parsing a datagram into a message, and building responses and requests.

Strict where a wrong reading would route a call wrongly (start line, CSeq, Content-Length, the headers a
transaction needs), lenient where RFC 3261 asks to be (header name case, compact forms, folded lines, bare LF
line ends). Anything else raises ``SipParseError``, which the front turns into a 400 or, when not even the
headers to answer exist, drops the datagram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_DATAGRAM = 65_507
COMPACT = {"v": "Via", "f": "From", "t": "To", "i": "Call-ID", "m": "Contact", "l": "Content-Length",
           "c": "Content-Type", "k": "Supported", "s": "Subject", "e": "Content-Encoding"}
KNOWN = ("Via", "From", "To", "Call-ID", "CSeq", "Contact", "Content-Length", "Content-Type", "Max-Forwards",
         "Allow", "Retry-After", "Supported", "User-Agent", "Route", "Record-Route", "Server")
CANONICAL = {name.lower(): name for name in KNOWN} | COMPACT
REQUIRED = ("Via", "From", "To", "Call-ID", "CSeq")
TOKEN = re.compile(r"^[A-Za-z0-9.!%*_+`'~-]+$")
REASONS = {100: "Trying", 180: "Ringing", 200: "OK", 400: "Bad Request", 404: "Not Found",
           405: "Method Not Allowed", 408: "Request Timeout", 480: "Temporarily Unavailable",
           481: "Call/Transaction Does Not Exist", 486: "Busy Here", 487: "Request Terminated",
           488: "Not Acceptable Here", 491: "Request Pending", 500: "Server Internal Error",
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


def parse(data: bytes) -> SipMessage:
    if len(data) > MAX_DATAGRAM:
        raise SipParseError("message too large")
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
    for line in unfolded:
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not TOKEN.match(name):
            raise SipParseError(f"malformed header line {line[:40]!r}")
        message.headers.append((CANONICAL.get(name.lower(), name), value.strip()))
    missing = [name for name in REQUIRED if message.get(name) is None]
    if missing:
        raise SipParseError(f"missing {', '.join(missing)}")
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


def request(method: str, uri: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"{method} {uri} SIP/2.0"] + [f"{name}: {value}" for name, value in headers]
    lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
