"""Voice codecs and the RTP payload each puts in a packet at a given packetisation (ptime)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from casashore.errors import UserError

MAX_PTIME_MS = 1000.0
"""Packetisation domain: (0, 1000] ms (RTP profiles use 10 to 120 ms)."""


@dataclass(frozen=True)
class Codec:
    """A voice codec as it travels in RTP.

    ``frame_ms`` is the codec's frame; a packet carries ptime / frame_ms frames. ``frame_bytes`` is the
    payload of one frame, ``packet_header_bytes`` a payload header once per packet and ``frame_header_bytes``
    one per frame (the RFC's table-of-contents entries), so the payload is exact, not a bit-rate estimate.
    """

    name: str
    bitrate_bps: float
    frame_ms: float
    frame_bytes: float
    default_ptime_ms: float
    packet_header_bytes: int = 0
    frame_header_bytes: int = 0
    rfc: str = ""

    def payload_bytes(self, ptime_ms: float) -> float:
        """RTP payload of one packet at ``ptime_ms``; raises UserError if ptime is not whole frames."""
        if not 0 < ptime_ms <= MAX_PTIME_MS:  # NaN and infinities too
            raise UserError("ptime", ptime_ms, "a packetisation in milliseconds such as 20")
        frames = ptime_ms / self.frame_ms
        if not math.isclose(frames, round(frames)):
            raise UserError("ptime", ptime_ms, f"a whole number of {self.name}'s {self.frame_ms:g} ms frames")
        frames = round(frames)
        return self.packet_header_bytes + frames * (self.frame_header_bytes + self.frame_bytes)


def _pcm(name: str, bitrate_bps: float, rfc: str) -> Codec:
    # Sample codecs: any multiple of 10 ms; bytes = bit rate x time.
    return Codec(name, bitrate_bps, 10.0, bitrate_bps * 0.010 / 8, 20.0, rfc=rfc)


CODECS: dict[str, Codec] = {c.name: c for c in [
    _pcm("G.711", 64_000, "RFC 3551"),
    _pcm("G.722", 64_000, "RFC 3551"),
    _pcm("G.726-16", 16_000, "RFC 3551"),
    _pcm("G.726-24", 24_000, "RFC 3551"),
    _pcm("G.726-32", 32_000, "RFC 3551"),
    _pcm("G.726-40", 40_000, "RFC 3551"),
    Codec("G.728", 16_000, 2.5, 5.0, 30.0, rfc="RFC 3551"),
    Codec("G.729", 8_000, 10.0, 10.0, 20.0, rfc="RFC 3551"),
    Codec("G.723.1", 6_300, 30.0, 24.0, 30.0, rfc="RFC 3551"),
    Codec("G.723.1-5.3", 5_300, 30.0, 20.0, 30.0, rfc="RFC 3551"),
    Codec("iLBC-20", 15_200, 20.0, 38.0, 20.0, rfc="RFC 3952"),
    Codec("iLBC-30", 13_330, 30.0, 50.0, 30.0, rfc="RFC 3952"),
    # Opus at a constant 32 kbit/s, one frame per packet: one TOC byte (RFC 6716 code 0) plus the frame.
    Codec("Opus", 32_000, 20.0, 80.0, 20.0, packet_header_bytes=1, rfc="RFC 7587"),
    # AMR-WB, octet-aligned RTP (RFC 4867): one CMR byte per packet, one ToC byte per frame,
    # speech bits padded to whole bytes (253 bits at 12.65 kbit/s, 477 bits at 23.85 kbit/s).
    Codec("AMR-WB", 12_650, 20.0, 32.0, 20.0, packet_header_bytes=1, frame_header_bytes=1, rfc="RFC 4867"),
    Codec("AMR-WB-23.85", 23_850, 20.0, 60.0, 20.0, packet_header_bytes=1, frame_header_bytes=1,
          rfc="RFC 4867"),
]}

# Names people type for the same codec.
ALIASES = {
    "PCMU": "G.711", "PCMA": "G.711", "G711": "G.711", "G.711U": "G.711", "G.711A": "G.711",
    "G722": "G.722", "G729": "G.729", "G.729A": "G.729", "G.729AB": "G.729", "G723": "G.723.1",
    "G.723": "G.723.1", "G.723.1-6.3": "G.723.1", "G726": "G.726-32", "G.726": "G.726-32", "G728": "G.728",
    "ILBC": "iLBC-30", "OPUS": "Opus", "AMR-WB-12.65": "AMR-WB", "AMRWB": "AMR-WB", "G.722.2": "AMR-WB",
}


def find_codec(name: str) -> Codec:
    """The codec called ``name`` (case-insensitive, common aliases accepted); UserError if unknown."""
    key = name.strip()
    by_upper = {k.upper(): v for k, v in CODECS.items()}
    codec = by_upper.get(key.upper()) or CODECS.get(ALIASES.get(key.upper(), ""))
    if codec is None:
        raise UserError("codec", name, f"one of {', '.join(CODECS)}")
    return codec
