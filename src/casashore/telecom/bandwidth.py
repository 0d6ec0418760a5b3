"""Bandwidth of one call at each network layer, and how many calls a link carries.

Overheads per packet (bytes): RTP 12 + UDP 8 + IPv4 20 (IPv6: 40); SRTP adds its authentication tag (10 for
HMAC-SHA1-80); Ethernet adds 14 of header and 4 of FCS, 802.1Q 4 more, each MPLS label 4; on the wire
Ethernet also spends 8 of preamble and 12 of inter-frame gap. Cisco's "Voice Over IP - Per Call Bandwidth
Consumption" (Document 7934) counts the IP layer and Ethernet as here (G.711 at 20 ms: 80 and 87.2 kbit/s).
Figures are per direction: a full-duplex link carries ``capacity / bps_per_call`` calls each way.
"""

from __future__ import annotations

from dataclasses import dataclass

from casashore.errors import UserError
from casashore.telecom.codecs import find_codec

RTP_UDP_IPV4_BYTES = 40
IPV6_EXTRA_BYTES = 20
ETHERNET_BYTES = 18  # 14 header + 4 FCS
PREAMBLE_IFG_BYTES = 20  # 7 preamble + 1 SFD + 12 inter-frame gap
VLAN_TAG_BYTES = 4
MPLS_LABEL_BYTES = 4

LAYERS = ("payload", "ip", "ethernet", "wire")


@dataclass(frozen=True)
class CallBandwidth:
    """One call's packets at one layer, one direction."""

    codec: str
    ptime_ms: float
    layer: str
    payload_bytes: float
    packet_bytes: float
    packets_per_second: float
    bps_per_call: float


def call_bandwidth(codec: str, ptime_ms: float | None = None, layer: str = "ethernet", *, vlan: bool = False,
                   srtp: bool = False, srtp_tag_bytes: int = 10, mpls_labels: int = 0,
                   ipv6: bool = False) -> CallBandwidth:
    """Bits per second of one call, one direction, counted at ``layer``.

    ``layer``: ``payload`` (codec bytes only), ``ip`` (IP/UDP/RTP), ``ethernet`` (plus Ethernet header and
    FCS: Cisco's figure), ``wire`` (plus preamble and inter-frame gap: what the Ethernet port really spends).
    """
    c = find_codec(codec)
    ptime = c.default_ptime_ms if ptime_ms is None else ptime_ms
    if layer not in LAYERS:
        raise UserError("layer", layer, f"one of {', '.join(LAYERS)}")
    if (vlan or mpls_labels) and layer in ("payload", "ip"):
        raise UserError("layer", layer, "ethernet or wire with VLAN tags or MPLS labels (they sit below IP)")
    if mpls_labels < 0:
        raise UserError("mpls_labels", mpls_labels, "0 or more labels")
    payload = c.payload_bytes(ptime)
    size = payload
    if layer != "payload":
        size += RTP_UDP_IPV4_BYTES + (IPV6_EXTRA_BYTES if ipv6 else 0) + (srtp_tag_bytes if srtp else 0)
    if layer in ("ethernet", "wire"):
        size += ETHERNET_BYTES + (VLAN_TAG_BYTES if vlan else 0) + MPLS_LABEL_BYTES * mpls_labels
    if layer == "wire":
        size += PREAMBLE_IFG_BYTES
    pps = 1000.0 / ptime
    return CallBandwidth(c.name, ptime, layer, payload, size, pps, size * 8 * pps)


def calls_per_link(capacity_bps: float, bps_per_call: float, headroom: float = 0.0) -> int:
    """Simultaneous calls a link carries per direction, keeping a share ``headroom`` free."""
    if capacity_bps < 0:
        raise UserError("capacity", capacity_bps, "a link capacity >= 0 bit/s")
    if not 0.0 <= headroom < 1.0:
        raise UserError("headroom", headroom, "a share of the link kept free, in [0, 1)")
    usable = capacity_bps * (1.0 - headroom)
    # Rounding guard: 40 Gbit/s / 80 kbit/s is exactly 500,000, not 499,999.
    return int(round(usable / bps_per_call, 9) // 1)
