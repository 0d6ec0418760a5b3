"""Media anchored through a real rtpengine (userspace, on loopback, started by the test): the bencode codec
against BEP 3's published examples and hostile inputs, the ng client's retries, cookies and limits against a
UDP peer the test controls, then offer/answer of real SDP, RTP both ways through the anchored ports counted by
``query``, a recording file, ``delete`` freeing the call, SDES-SRTP from the trunk terminated, and an engine
that is down refused at connect and failing a call's offer cleanly."""

from __future__ import annotations

import asyncio
import re
import socket
import struct

import pytest

from casashore.route.media.bencode import BencodeError, decode, encode
from casashore.route.media.ng_protocol import NgClient, NgError, NgUnreachable
from casashore.route.media.rtpengine import MediaError, RtpEngineMedia
from rtpengine_server import free_udp_port, running_rtpengine

# -- bencode -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    (b"4:spam", b"spam"), (b"0:", b""), (b"i3e", 3), (b"i-3e", -3), (b"i0e", 0),
    (b"l4:spam4:eggse", [b"spam", b"eggs"]), (b"le", []),
    (b"d3:cow3:moo4:spam4:eggse", {"cow": b"moo", "spam": b"eggs"}),
    (b"d4:spaml1:a1:bee", {"spam": [b"a", b"b"]}), (b"de", {})])
def test_bencode_reads_and_writes_bep_3s_examples(text, value):
    """BEP 3 ("The BitTorrent Protocol Specification"), section bencoding: each example both ways."""
    assert decode(text) == value
    assert encode(value) == text


def test_bencode_writes_an_ng_request_as_rtpengines_documentation_shows():
    """The ng protocol's documented ping: ``d7:command4:pinge``; keys sorted, str as UTF-8, nested values."""
    assert encode({"command": "ping"}) == b"d7:command4:pinge"
    assert encode({"replace": ["origin"], "call-id": "é"}) == b"d7:call-id2:\xc3\xa97:replacel6:originee"


def test_bencode_reads_keys_in_rtpengines_order():
    assert decode(b"d6:result2:ok3:sdp3:v=0e") == {"result": b"ok", "sdp": b"v=0"}
    assert decode(b"d3:sdp3:v=06:result2:oke") == {"result": b"ok", "sdp": b"v=0"}


@pytest.mark.parametrize("bad", [b"", b"i03e", b"i-0e", b"ie", b"i12", b"5:ab", b"-1:a", b"01:a", b"l", b"d",
                                 b"d1:ae", b"di1ei2ee", b"4:spamX", b"x", b"l" * 40 + b"e" * 40,
                                 b"d2:\xff\xfe1:ae", b"99999999999999:a"])
def test_bencode_refuses_malformed_input(bad):
    with pytest.raises(BencodeError):
        decode(bad)


def test_bencode_refuses_what_it_cannot_write():
    for value in (True, 1.5, None, {1: b"a"}):
        with pytest.raises(BencodeError):
            encode(value)


# -- the ng client against a peer the test controls --------------------------------------------------------


class Peer(asyncio.DatagramProtocol):
    """A UDP peer that answers ng requests as ``script`` says (per request received, in order)."""

    def __init__(self, script):
        self.script, self.received = list(script), []

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.received.append(data)
        action = self.script.pop(0) if self.script else "pong"
        cookie = data.split(b" ", 1)[0]
        if action == "drop":
            return
        if action == "wrong_cookie":
            self.transport.sendto(b"0000 " + encode({"result": "pong"}), addr)
            self.transport.sendto(cookie + b" " + encode({"result": "pong"}), addr)
        elif action == "huge":
            self.transport.sendto(cookie + b" " + encode({"result": "ok", "sdp": "x" * 20_000}), addr)
        elif action == "garbage":
            self.transport.sendto(cookie + b" not bencode", addr)
        elif action == "error":
            self.transport.sendto(cookie + b" " + encode({"result": "error", "error-reason": "Unknown call-id"}), addr)
        else:
            self.transport.sendto(cookie + b" " + encode({"result": action}), addr)


async def with_peer(script, body, **options):
    loop = asyncio.get_running_loop()
    transport, peer = await loop.create_datagram_endpoint(lambda: Peer(script), local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    client = await NgClient("127.0.0.1", port, timeout_s=options.pop("timeout_s", 0.5), **options).open()
    try:
        return await body(client, peer)
    finally:
        client.close()
        transport.close()


def test_a_lost_datagram_is_sent_again_with_the_same_cookie():
    async def body(client, peer):
        reply = await client.request("ping")
        return reply, peer.received, client.counters

    reply, received, counters = asyncio.run(with_peer(["drop", "drop", "pong"], body, retries=2))
    assert reply["result"] == b"pong"
    assert len(received) == 3 and len(set(received)) == 1  # the same datagram, cookie and all
    assert counters["retries"] == 2


def test_an_engine_that_never_answers_is_unreachable_after_the_retries():
    async def body(client, peer):
        with pytest.raises(NgUnreachable, match="after 2 tries"):
            await client.request("ping")
        return len(peer.received)

    assert asyncio.run(with_peer(["drop"] * 5, body, retries=1, timeout_s=0.2)) == 2


def test_a_reply_with_another_cookie_is_not_taken_for_ours():
    async def body(client, peer):
        reply = await client.request("ping")
        return reply, client.counters["stray_replies"]

    reply, stray = asyncio.run(with_peer(["wrong_cookie"], body))
    assert reply["result"] == b"pong" and stray == 1


@pytest.mark.parametrize("action, message", [("huge", "at most 16384"), ("garbage", "not bencode"),
                                             ("error", "Unknown call-id")])
def test_oversized_unreadable_and_error_replies_are_clear_errors(action, message):
    async def body(client, peer):
        with pytest.raises(NgError, match=message) as raised:
            await client.request("query", call_id="abc")
        return raised.value

    error = asyncio.run(with_peer([action], body))
    assert not isinstance(error, NgUnreachable) and "rtpengine" in str(error)


def test_concurrent_requests_each_get_their_own_reply():
    async def body(client, peer):
        return await asyncio.gather(*(client.request("ping") for _ in range(20)))

    replies = asyncio.run(with_peer(["pong"] * 20, body))
    assert [r["result"] for r in replies] == [b"pong"] * 20


# -- the real engine ---------------------------------------------------------------------------------------

CALLER_SDP = ("v=0\r\no=trunk 100 100 IN IP4 {host}\r\ns=-\r\nc=IN IP4 {host}\r\nt=0 0\r\n"
              "m=audio {port} {proto} 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
              "{crypto}a=candidate:1 1 udp 2130706431 10.77.0.1 {port} typ host\r\na=sendrecv\r\n")
PHONE_SDP = ("v=0\r\no=phone 200 200 IN IP4 {host}\r\ns=-\r\nc=IN IP4 {host}\r\nt=0 0\r\n"
             "m=audio {port} RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
             "a=sendrecv\r\n")
CRYPTO = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"


def media_address(sdp: bytes) -> tuple[str, int, str]:
    text = sdp.decode()
    host = re.search(r"^c=IN IP4 (\S+)", text, re.M).group(1)
    port, proto = re.search(r"^m=audio (\d+) (\S+)", text, re.M).groups()
    return host, int(port), proto


def rtp_packet(seq: int, ssrc: int) -> bytes:
    return struct.pack("!BBHII", 0x80, 8, seq, seq * 160, ssrc) + bytes([0xD5]) * 160


def udp_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5.0)
    return sock


def send_and_receive(sender: socket.socket, to: tuple[str, int], receiver: socket.socket, count: int,
                     ssrc: int) -> list[bytes]:
    got = []
    for seq in range(1, count + 1):
        sender.sendto(rtp_packet(seq, ssrc), to)
        got.append(receiver.recv(2048))  # a lost packet fails the test by the socket's timeout
    return got


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    with running_rtpengine(tmp_path_factory.mktemp("rtpengine")) as running:
        yield running


def test_offer_and_answer_anchor_rtp_both_ways_counted_and_recorded(engine):
    ng_port, ports, recordings = engine
    caller, phone = udp_socket(), udp_socket()
    call_id = "media-1@trunk.example/x y"  # characters rtpengine escapes in its file names

    async def scenario():
        media = await RtpEngineMedia.connect("127.0.0.1", ng_port, srtp="terminate", record=True,
                                             recording_dir=recordings)
        try:
            offer = CALLER_SDP.format(host="127.0.0.1", port=caller.getsockname()[1], proto="RTP/AVP", crypto="")
            to_phone = await media.offer(call_id, "caller-tag", offer.encode())
            answer = PHONE_SDP.format(host="127.0.0.1", port=phone.getsockname()[1])
            to_caller = await media.answer(call_id, "caller-tag", "phone-tag", answer.encode())
            phone_side, caller_side = media_address(to_phone), media_address(to_caller)
            assert phone_side[0] == caller_side[0] == "127.0.0.1"
            assert phone_side[1] in ports and caller_side[1] in ports and phone_side[1] != caller_side[1]
            assert phone_side[1] != caller.getsockname()[1] and caller_side[1] != phone.getsockname()[1]
            assert b"a=candidate" not in to_phone and b"10.77.0.1" not in to_phone  # ICE removed
            assert b"o=trunk 100 100 IN IP4 127.0.0.1" in to_phone  # origin replaced
            from_caller = await asyncio.to_thread(send_and_receive, caller, caller_side[:2], phone, 25, 0x1111)
            from_phone = await asyncio.to_thread(send_and_receive, phone, phone_side[:2], caller, 30, 0x2222)
            assert [p[12:] for p in from_caller] == [rtp_packet(1, 0)[12:]] * 25
            assert {struct.unpack("!I", p[8:12])[0] for p in from_phone} == {0x2222}
            counts = await media.query(call_id)
            assert counts.rtp_packets_by_tag == {"caller-tag": 25, "phone-tag": 30}
            assert counts.rtp_packets == 55 and counts.rtp_errors == 0
            recording = media.recording_path(call_id)
            assert recording is not None and recording.parent == recordings / "pcaps"
            assert recording.name.startswith("media-1%40trunk.example%2Fx%20y-")
            await media.delete(call_id, "caller-tag")
            with pytest.raises(MediaError, match="Unknown call-id"):
                await media.query(call_id)
            return recording
        finally:
            media.close()

    recording = asyncio.run(scenario())
    magic, *_ = struct.unpack("<I", recording.read_bytes()[:4])
    assert magic in (0xA1B2C3D4, 0xD4C3B2A1)  # a pcap file
    assert recording.stat().st_size > 24 + 55 * 160  # the header and every packet's payload
    caller.close()
    phone.close()


def test_a_recordings_name_comes_from_rtpengines_metadata_and_only_names_its_own_file(tmp_path):
    """The path kept in a call's record is rtpengine's file under recording_dir/pcaps: metadata that names
    another place, another call's name or a file that does not exist names nothing; a call id that would be a
    path is only a prefix of names rtpengine made."""
    (tmp_path / "tmp").mkdir()
    (tmp_path / "pcaps").mkdir()
    media = RtpEngineMedia(client=None, record=True, recording_dir=tmp_path)  # no engine needed to read files

    def metadata(call: str, suffix: str, first_line: str) -> None:
        (tmp_path / "tmp" / f"rtpengine-meta-{call}-{suffix}.tmp").write_text(first_line + "\n\nSDP mode: offer\n")

    metadata("ok%40x", "0123456789abcdef", "/var/spool/rtpengine/pcaps/ok%40x-0123456789abcdef.pcap")
    (tmp_path / "pcaps" / "ok%40x-0123456789abcdef.pcap").write_bytes(b"\xd4\xc3\xb2\xa1")
    # rtpengine in a container names its own directory: the file's name is taken, under the host's recording_dir
    assert media.recording_path("ok@x") == tmp_path / "pcaps" / "ok%40x-0123456789abcdef.pcap"
    assert asyncio.run(media.recording("ok@x")) == str(tmp_path / "pcaps" / "ok%40x-0123456789abcdef.pcap")
    metadata("evil", "1111111111111111", "/etc/passwd")  # not this call's pcap
    metadata("other", "2222222222222222", "/x/pcaps/someone-else-2222222222222222.pcap")
    metadata("gone", "3333333333333333", "/x/pcaps/gone-3333333333333333.pcap")  # no such file
    assert [media.recording_path(call) for call in ("evil", "other", "gone", "unknown")] == [None] * 4
    assert media.recording_path("../../etc/passwd") is None  # escaped as rtpengine does: only a prefix
    assert media.counters["recording_not_found"] == 0
    assert asyncio.run(media.recording("gone")) is None and media.counters["recording_not_found"] == 1
    assert asyncio.run(RtpEngineMedia(client=None, record=False, recording_dir=tmp_path).recording("ok@x")) is None


def test_a_call_without_recording_leaves_no_file(engine):
    ng_port, _, recordings = engine

    async def scenario():
        media = await RtpEngineMedia.connect("127.0.0.1", ng_port, record=False, recording_dir=recordings)
        try:
            offer = CALLER_SDP.format(host="127.0.0.1", port=41000, proto="RTP/AVP", crypto="").encode()
            await media.offer("unrecorded-1", "a", offer)
            path = media.recording_path("unrecorded-1")
            await media.delete("unrecorded-1", "a")
            return path
        finally:
            media.close()

    assert asyncio.run(scenario()) is None


def test_sdes_srtp_from_the_trunk_is_terminated_and_the_phone_gets_plain_rtp(engine):
    ng_port, _, _ = engine

    async def scenario():
        media = await RtpEngineMedia.connect("127.0.0.1", ng_port, srtp="terminate")
        try:
            offer = CALLER_SDP.format(host="127.0.0.1", port=41010, proto="RTP/SAVP", crypto=CRYPTO).encode()
            to_phone = await media.offer("srtp-1", "caller", offer)
            to_caller = await media.answer("srtp-1", "caller", "phone",
                                           PHONE_SDP.format(host="127.0.0.1", port=41020).encode())
            await media.delete("srtp-1", "caller")
            return to_phone, to_caller
        finally:
            media.close()

    to_phone, to_caller = asyncio.run(scenario())
    assert media_address(to_phone)[2] == "RTP/AVP" and b"a=crypto" not in to_phone
    assert b"a=fingerprint" not in to_phone  # no DTLS either
    assert media_address(to_caller)[2] == "RTP/SAVP"
    keys = re.findall(rb"a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:(\S+)", to_caller)
    assert len(keys) == 1 and keys[0] not in CRYPTO.encode()  # rtpengine's own key towards the trunk


def test_sdes_srtp_passed_through_reaches_the_phone_as_srtp_with_the_callers_key_first(engine):
    ng_port, _, _ = engine

    async def scenario():
        media = await RtpEngineMedia.connect("127.0.0.1", ng_port, srtp="pass")
        try:
            offer = CALLER_SDP.format(host="127.0.0.1", port=41030, proto="RTP/SAVP", crypto=CRYPTO).encode()
            to_phone = await media.offer("srtp-2", "caller", offer)
            await media.delete("srtp-2", "caller")
            return to_phone
        finally:
            media.close()

    to_phone = asyncio.run(scenario())
    assert media_address(to_phone)[2] == "RTP/SAVP"
    assert re.search(rb"^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:(\S+)", to_phone, re.M).group(1) == (
        CRYPTO.split("inline:")[1].strip().encode())


def test_the_engines_refusal_is_a_clear_media_error(engine):
    ng_port, _, _ = engine

    async def scenario():
        media = await RtpEngineMedia.connect("127.0.0.1", ng_port)
        try:
            with pytest.raises(MediaError, match="refused: rtpengine answer: .*"):
                await media.answer("never-offered", "a", "b", PHONE_SDP.format(host="127.0.0.1", port=1).encode())
            await media.delete("never-offered", "a")  # nothing to free: logged, not raised
        finally:
            media.close()

    asyncio.run(scenario())


def test_an_engine_that_is_down_is_refused_at_connect_and_fails_an_offer_without_hanging():
    port = free_udp_port()  # nothing listens there

    async def scenario():
        with pytest.raises(MediaError, match="unreachable"):
            await RtpEngineMedia.connect("127.0.0.1", port, timeout_s=0.2, retries=1)
        media = RtpEngineMedia(await NgClient("127.0.0.1", port, timeout_s=0.2, retries=1).open())
        try:
            with pytest.raises(MediaError, match="unreachable"):
                await media.offer("c", "a", CALLER_SDP.format(host="127.0.0.1", port=1, proto="RTP/AVP",
                                                               crypto="").encode())
            await media.delete("c", "a")  # logged and counted, the call's end goes on
            return media.counters
        finally:
            media.close()

    counters = asyncio.run(scenario())
    assert counters["offer_unreachable"] == 1 and counters["delete_unreachable"] == 1
