"""The B2BUA with its audio anchored in a real rtpengine (Debian's rtpengine-daemon, run by the test in userspace
on loopback): the phone is offered rtpengine's address, not the caller's; the caller is answered with rtpengine's,
not the phone's; RTP sent by each side reaches the other through the engine; the caller's BYE ends the call and
the engine forgets it (``delete``). A recorded call's record in the workspace names the pcap file rtpengine wrote,
holding every packet of the call; a call not recorded names none and leaves no file."""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from pathlib import Path

import duckdb
import pytest

from b2bua_harness import PHONE_SDP, acknowledge, answered, hang_up, ring, run
from casashore.route.media.rtpengine import MediaError, RtpEngineMedia
from casashore.route.records import Recorder
from casashore.route.state.call_ids import router_id
from rtpengine_server import running_rtpengine
from test_route_media import media_address, send_and_receive


def udp() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5.0)
    return sock


def pcap_packets(path) -> int:
    """The packets a pcap file holds (its 24-byte header, then per packet a 16-byte header and the bytes)."""
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0xA1B2C3D4 else ">"
    at, count = 24, 0
    while at + 16 <= len(data):
        captured = struct.unpack(order + "IIII", data[at:at + 16])[2]
        at += 16 + captured
        count += 1
    return count


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """One rtpengine for the module, able to record: a call is recorded only when the router asks."""
    with running_rtpengine(tmp_path_factory.mktemp("rtpengine")) as running:
        yield running


def call_through(engine, tmp_path, *, recording: bool) -> dict:
    """One call through the B2BUA, anchored in the engine (``recording``: rtpengine records it), 20 RTP packets
    each way, ended by the caller's BYE; returns what was seen: the addresses each side was given, the packets
    heard, the engine's count, the call's row in the workspace, the recording its live call named, and the pcap
    files before and after."""
    ng_port, ports, recordings = engine
    caller_rtp, phone_rtp = udp(), udp()
    offer = (f"v=0\r\no=trunk 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
             f"m=audio {caller_rtp.getsockname()[1]} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n").encode()
    phone_sdp = PHONE_SDP.replace(b"m=audio 7078", f"m=audio {phone_rtp.getsockname()[1]}".encode())
    workspace = tmp_path / f"recorded-{recording}.duckdb"
    recorder = Recorder(workspace, {"fr": ("Europe/Paris", None)})
    seen = {"ports": ports, "caller_port": caller_rtp.getsockname()[1], "phone_port": phone_rtp.getsockname()[1],
            "before": set((recordings / "pcaps").glob("*.pcap"))}

    async def scenario(ctx):
        call, invite = await ring(ctx, offer=offer)
        seen["call_id"] = call.call_id
        seen["to_phone"] = to_phone = media_address(invite.body)
        ok = await answered(ctx, invite, sdp=phone_sdp)
        seen["to_caller"] = to_caller = media_address(ok.split("\r\n\r\n", 1)[1].encode())
        seen["heard"] = await asyncio.to_thread(send_and_receive, caller_rtp, to_caller[:2], phone_rtp, 20, 0x1111)
        seen["said"] = await asyncio.to_thread(send_and_receive, phone_rtp, to_phone[:2], caller_rtp, 20, 0x2222)
        seen["rtp_packets"] = (await ctx.media.query(call.call_id)).rtp_packets
        seen["live"] = ctx.router.calls[router_id(call.call_id)].recording
        acknowledge(ctx, call, ok)
        hang_up(ctx, call, ok)
        ctx.phones["ana"].reply(await ctx.phones["ana"].next("BYE"), 200)
        for _ in range(500):  # the delete runs in a task of its own: until the engine forgets the call
            try:
                await ctx.media.query(call.call_id)
            except MediaError:
                break
            await asyncio.sleep(0.01)
        else:
            pytest.fail("rtpengine still holds the ended call")
        ctx.media.close()

    run(scenario, recorder=recorder, connect_media=lambda: RtpEngineMedia.connect(
        "127.0.0.1", ng_port, record=recording, recording_dir=recordings))
    recorder.close()
    caller_rtp.close()
    phone_rtp.close()
    con = duckdb.connect(str(workspace), read_only=True)
    seen["rows"] = con.execute("SELECT call_key, outcome, agent, recording FROM calls").fetchall()
    con.close()
    seen["after"] = set((recordings / "pcaps").glob("*.pcap"))
    return seen


def test_a_call_flows_through_rtpengine_and_unrecorded_names_no_file_and_leaves_none(engine, tmp_path):
    """The phone is offered the engine's address, not the caller's; the caller is answered with the engine's, not
    the phone's; RTP sent by each side reaches the other through the engine, which counts it; the BYE ends the
    call in the engine. Not recorded: its record names no file and the engine wrote none."""
    seen = call_through(engine, tmp_path, recording=False)
    assert seen["to_phone"][1] in seen["ports"] and seen["to_phone"][1] != seen["caller_port"]
    assert seen["to_caller"][1] in seen["ports"] and seen["to_caller"][1] != seen["phone_port"]
    assert len(seen["heard"]) == len(seen["said"]) == 20 and seen["rtp_packets"] == 40
    [(call_key, outcome, agent, recording)] = seen["rows"]
    assert (call_key, outcome, agent, recording) == (seen["call_id"], "answered", "ana", None)
    assert seen["live"] is None and seen["after"] == seen["before"]


def test_a_recorded_calls_record_names_the_pcap_rtpengine_wrote_with_its_packets(engine, tmp_path):
    seen = call_through(engine, tmp_path, recording=True)
    [(call_key, outcome, agent, recording)] = seen["rows"]
    assert (call_key, outcome, agent) == (seen["call_id"], "answered", "ana")
    assert recording is not None and recording == seen["live"]  # named while the call lived, kept in its record
    path = Path(recording)
    assert seen["after"] - seen["before"] == {path} and path.parent == engine[2] / "pcaps"
    for _ in range(500):  # rtpengine writes the last packets as it closes the file (at the delete)
        if pcap_packets(path) >= 40:
            break
        time.sleep(0.01)
    assert pcap_packets(path) == 40  # every packet each side sent through the engine
