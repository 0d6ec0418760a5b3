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

from casashore.route.media.rtpengine import MediaError, RtpEngineMedia
from casashore.route.records import Recorder
from casashore.route.state.call_ids import router_id
from rtpengine_server import running_rtpengine
from test_route_b2bua import PHONE_SDP, final, run
from test_route_media import media_address, send_and_receive
from test_route_sip import Call, header, status


def udp() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5.0)
    return sock


def test_a_call_answered_by_a_phone_flows_through_rtpengine(tmp_path):
    caller_rtp, phone_rtp = udp(), udp()
    offer = (f"v=0\r\no=trunk 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
             f"m=audio {caller_rtp.getsockname()[1]} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n").encode()
    phone_sdp = PHONE_SDP.replace(b"m=audio 7078", f"m=audio {phone_rtp.getsockname()[1]}".encode())

    with running_rtpengine(tmp_path, recording=False) as (ng_port, ports, _):
        async def scenario(ctx):
            call = Call(ctx.front.port)
            ctx.send(call.request("INVITE", 1, body=offer))
            assert status(await ctx.caller.next()) == 180
            ctx.available("ana")
            ana = ctx.phones["ana"]
            invite = await ana.next("INVITE")
            to_phone = media_address(invite.body)
            assert to_phone[1] in ports and to_phone[1] != caller_rtp.getsockname()[1]  # the engine, not the caller
            ana.reply(invite, 200, phone_sdp)
            ok = await final(ctx.caller)
            assert status(ok) == 200
            to_caller = media_address(ok.split("\r\n\r\n", 1)[1].encode())
            assert to_caller[1] in ports and to_caller[1] != phone_rtp.getsockname()[1]  # the engine, not the phone
            heard = await asyncio.to_thread(send_and_receive, caller_rtp, to_caller[:2], phone_rtp, 20, 0x1111)
            said = await asyncio.to_thread(send_and_receive, phone_rtp, to_phone[:2], caller_rtp, 20, 0x2222)
            assert len(heard) == len(said) == 20
            counts = await ctx.media.query(call.call_id)
            assert counts.rtp_packets == 40
            ctx.send(call.request("ACK", 1, branch="z9hG4bKack", to=header(ok, "To")))
            ctx.send(call.request("BYE", 2, branch="z9hG4bKbye", to=header(ok, "To")))
            ana.reply(await ana.next("BYE"), 200)
            for _ in range(500):  # the delete runs in a task of its own: until the engine forgets the call
                try:
                    await ctx.media.query(call.call_id)
                except MediaError:
                    break
                await asyncio.sleep(0.01)
            else:
                pytest.fail("rtpengine still holds the ended call")
            ctx.media.close()

        run(scenario, connect_media=lambda: RtpEngineMedia.connect("127.0.0.1", ng_port))
    caller_rtp.close()
    phone_rtp.close()


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


def recorded_call(recording: bool, engine, tmp_path):
    """One call through the B2BUA, anchored in the engine (``recording``: rtpengine records it), 20 RTP packets
    each way, ended by the caller's BYE; returns its row of the workspace's calls, the path the router's call
    named while it lived, and the pcap files before and after."""
    ng_port, _, recordings = engine
    caller_rtp, phone_rtp = udp(), udp()
    offer = (f"v=0\r\no=trunk 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
             f"m=audio {caller_rtp.getsockname()[1]} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n").encode()
    phone_sdp = PHONE_SDP.replace(b"m=audio 7078", f"m=audio {phone_rtp.getsockname()[1]}".encode())
    workspace = tmp_path / f"recorded-{recording}.duckdb"
    recorder = Recorder(workspace, {"fr": ("Europe/Paris", None)})
    before = set((recordings / "pcaps").glob("*.pcap"))
    seen = {}

    async def scenario(ctx):
        call = Call(ctx.front.port)
        seen["call_id"] = call.call_id
        ctx.send(call.request("INVITE", 1, body=offer))
        assert status(await ctx.caller.next()) == 180
        ctx.available("ana")
        ana = ctx.phones["ana"]
        invite = await ana.next("INVITE")
        to_phone = media_address(invite.body)
        ana.reply(invite, 200, phone_sdp)
        ok = await final(ctx.caller)
        assert status(ok) == 200
        to_caller = media_address(ok.split("\r\n\r\n", 1)[1].encode())
        await asyncio.to_thread(send_and_receive, caller_rtp, to_caller[:2], phone_rtp, 20, 0x1111)
        await asyncio.to_thread(send_and_receive, phone_rtp, to_phone[:2], caller_rtp, 20, 0x2222)
        seen["live"] = ctx.router.calls[router_id(call.call_id)].recording
        ctx.send(call.request("ACK", 1, branch="z9hG4bKack", to=header(ok, "To")))
        ctx.send(call.request("BYE", 2, branch="z9hG4bKbye", to=header(ok, "To")))
        ana.reply(await ana.next("BYE"), 200)
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
    row = con.execute("SELECT call_key, outcome, agent, recording FROM calls").fetchall()
    con.close()
    return row, seen, before, set((recordings / "pcaps").glob("*.pcap"))


@pytest.fixture(scope="module")
def recording_engine(tmp_path_factory):
    with running_rtpengine(tmp_path_factory.mktemp("rtpengine")) as running:
        yield running


def test_a_recorded_calls_record_names_the_pcap_rtpengine_wrote_with_its_packets(recording_engine, tmp_path):
    rows, seen, before, after = recorded_call(True, recording_engine, tmp_path)
    [(call_key, outcome, agent, recording)] = rows
    assert (call_key, outcome, agent) == (seen["call_id"], "answered", "ana")
    assert recording is not None and recording == seen["live"]  # named while the call lived, kept in its record
    path = Path(recording)
    assert after - before == {path} and path.parent == recording_engine[2] / "pcaps"
    for _ in range(500):  # rtpengine writes the last packets as it closes the file (at the delete)
        if pcap_packets(path) >= 40:
            break
        time.sleep(0.01)
    assert pcap_packets(path) == 40  # every packet each side sent through the engine


def test_a_call_not_recorded_names_no_file_and_leaves_none(recording_engine, tmp_path):
    rows, seen, before, after = recorded_call(False, recording_engine, tmp_path)
    [(call_key, outcome, agent, recording)] = rows
    assert (call_key, outcome, agent, recording) == (seen["call_id"], "answered", "ana", None)
    assert seen["live"] is None and after == before
