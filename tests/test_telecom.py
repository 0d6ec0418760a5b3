"""Per-call bandwidth against Cisco's published table, overheads by layer, and calls per link."""

import pytest

from casashore.errors import UserError
from casashore.telecom.bandwidth import call_bandwidth, calls_per_link
from casashore.telecom.codecs import CODECS, find_codec

# Cisco, "Voice Over IP - Per Call Bandwidth Consumption" (Document ID 7934): codec, ptime (ms), payload
# (bytes), packets per second and bandwidth over Ethernet (kbit/s, 18 bytes of L2 on 40 of IP/UDP/RTP).
CISCO_TABLE = [
    ("G.711", 20, 160, 50, 87.2),
    ("G.729", 20, 20, 50, 31.2),
    ("G.723.1", 30, 24, 33.3, 21.9),
    ("G.723.1-5.3", 30, 20, 33.3, 20.8),
    ("G.726-32", 20, 80, 50, 55.2),
    ("G.726-24", 20, 60, 50, 47.2),
    ("G.728", 30, 60, 33.3, 31.5),
    ("G.722", 20, 160, 50, 87.2),
    ("iLBC-20", 20, 38, 50, 38.4),
    ("iLBC-30", 30, 50, 33.3, 28.8),
]


@pytest.mark.parametrize(("codec", "ptime", "payload", "pps", "ethernet_kbps"), CISCO_TABLE)
def test_cisco_per_call_bandwidth(codec, ptime, payload, pps, ethernet_kbps):
    bw = call_bandwidth(codec, ptime, "ethernet")
    assert bw.payload_bytes == payload
    assert bw.packets_per_second == pytest.approx(pps, abs=0.05)
    assert bw.bps_per_call / 1000 == pytest.approx(ethernet_kbps, abs=0.05)


def test_layers_add_their_overheads():
    ip = call_bandwidth("G.711", 20, "ip").bps_per_call
    assert ip == 80_000  # (160 + 40) bytes x 8 x 50 packets/s
    assert call_bandwidth("G.711", 20, "payload").bps_per_call == 64_000
    assert call_bandwidth("G.711", 20, "ethernet", vlan=True).bps_per_call == 88_800
    assert call_bandwidth("G.711", 20, "ethernet", srtp=True).bps_per_call == 91_200
    assert call_bandwidth("G.711", 20, "wire").bps_per_call == 95_200
    assert call_bandwidth("G.711", 20, "ethernet", mpls_labels=2).bps_per_call == 90_400
    assert call_bandwidth("G.711", 20, "ip", ipv6=True).bps_per_call == 88_000


def test_other_codecs_have_exact_payloads():
    assert call_bandwidth("Opus", 20, "payload").payload_bytes == 81  # TOC byte + 80 bytes at 32 kbit/s
    assert call_bandwidth("AMR-WB", 20, "payload").payload_bytes == 34  # CMR + ToC + 253 bits padded
    assert call_bandwidth("AMR-WB", 40, "payload").payload_bytes == 67  # CMR + 2 x (ToC + 32)
    assert call_bandwidth("G.729", 40, "ip").bps_per_call == 16_000


def test_ptime_must_be_whole_frames():
    with pytest.raises(ValueError, match="ptime"):
        call_bandwidth("G.723.1", 20, "ip")


def test_unknown_codec_and_aliases():
    with pytest.raises(ValueError, match="codec"):
        find_codec("G.999")
    assert find_codec("pcma") is CODECS["G.711"] and find_codec("g729") is CODECS["G.729"]


def test_atlas_offshore_claim():
    """40 Gbit/s carries 500,000 calls only for G.711 at 20 ms counted at the IP layer."""
    assert calls_per_link(40e9, call_bandwidth("G.711", 20, "ip").bps_per_call) == 500_000
    assert calls_per_link(40e9, call_bandwidth("G.711", 20, "ethernet").bps_per_call) == 458_715
    wire_srtp = call_bandwidth("G.711", 20, "wire", srtp=True, vlan=True).bps_per_call
    assert calls_per_link(40e9, wire_srtp, headroom=0.2) < 400_000


def test_errors_carry_the_field_the_value_and_what_is_expected():
    """Callers read the error's attributes; nobody parses its message back."""
    with pytest.raises(UserError) as bad_ptime:
        call_bandwidth("G.729", 25, "ip")
    assert (bad_ptime.value.field, bad_ptime.value.value) == ("ptime", 25)
    assert bad_ptime.value.expected == "a whole number of G.729's 10 ms frames"
    with pytest.raises(UserError) as bad_codec:
        find_codec("G.999")
    assert (bad_codec.value.field, bad_codec.value.value) == ("codec", "G.999")
    assert bad_codec.value.expected.startswith("one of G.711, ")
    with pytest.raises(UserError) as bad_headroom:
        calls_per_link(1e9, 80_000, headroom=1.0)
    assert bad_headroom.value.field == "headroom"
