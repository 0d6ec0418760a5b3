"""The SDP answer (RFC 3264) to a caller's offer: one audio stream, the first offered codec we know.

The front's own answer, for a call an agent accepts from the desktop (no phone rung): it names a port so that
trunks which insist on a valid answer accept the call. A call an agent's phone answers is answered with the
phone's SDP instead (b2bua.py, through route/media/); this module also tells, at the door, whether the caller
offers a codec anyone here can take (488 otherwise).
"""

from __future__ import annotations

STATIC = {0: "PCMU/8000", 8: "PCMA/8000", 9: "G722/8000", 18: "G729/8000"}


class NoCommonCodec(ValueError):
    pass


def answer(offer: bytes, host: str, port: int, session: int) -> bytes:
    """An answer accepting the offer's first known codec (and telephone-event when offered); with no offer
    (the offer comes in the ACK) an offer of PCMA and PCMU."""
    text = offer.decode("utf-8", "replace")
    media = [line for line in text.splitlines() if line.startswith("m=audio ")]
    if not media:
        chosen, events = [8, 0], None
    else:
        offered = media[0].split()[3:]
        rtpmap = {}
        for line in text.splitlines():
            if line.startswith("a=rtpmap:"):
                number, _, name = line[9:].partition(" ")
                rtpmap[number] = name.strip()
        known = [int(p) for p in offered if p.isdigit() and int(p) in STATIC]
        if not known:
            raise NoCommonCodec(f"no known audio codec among payload types {' '.join(offered)[:60]}")
        chosen = known[:1]
        events = next((p for p in offered if rtpmap.get(p, "").lower().startswith("telephone-event")), None)
    payloads = [str(p) for p in chosen] + ([events] if events else [])
    lines = ["v=0", f"o=casashore {session} {session} IN IP4 {host}", "s=casashore", f"c=IN IP4 {host}", "t=0 0",
             f"m=audio {port} RTP/AVP {' '.join(payloads)}"]
    lines += [f"a=rtpmap:{p} {STATIC[p]}" for p in chosen]
    if events:
        lines += [f"a=rtpmap:{events} telephone-event/8000", f"a=fmtp:{events} 0-16"]
    lines.append("a=sendrecv")
    return ("\r\n".join(lines) + "\r\n").encode()
