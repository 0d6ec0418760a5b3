"""A router whose agents' phones are SIPp processes, and a counter of the RTP on the loopback interface: shared by
tests/test_route_sipp_b2bua.py and benchmarks/bench_route_b2bua.py."""

from __future__ import annotations

import collections
import csv
import ctypes
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from router_nodes import SAFETY_S, free_port, wait_for_port

SCENARIOS = Path(__file__).parent / "sipp"
PCAP = Path("/usr/share/sip-tester/g711a.pcap")
"""Debian sip-tester's G.711 A-law recording: 236 RTP packets over 7 s."""
SUPERVISOR = "supervisor-token-for-the-b2bua-runs"
SOL_PACKET, PACKET_STATISTICS, SO_ATTACH_FILTER, SO_RCVBUFFORCE = 263, 6, 26, 33
BACKWARDS = 10
"""An RTP sequence number more than this behind a port pair's last one starts the pair's next call (a replayed
recording starts again from its first); fewer is a datagram reordered."""


class CallSegments:
    """Datagrams per call on port pairs that carry one call after another: ``segments`` (source, destination,
    n) -> datagrams. Each call replays the same recording from its first RTP sequence number, so a sequence
    number more than BACKWARDS behind the pair's last one starts the pair's next call (n + 1); a few behind is
    a datagram reordered (counted in the call, the last number kept)."""

    def __init__(self) -> None:
        self.segments: collections.Counter = collections.Counter()
        self._last: dict[tuple[int, int], tuple[int, int]] = {}  # pair -> (its call's n, last sequence number)

    def add(self, pair: tuple[int, int], seq: int) -> None:
        n, last = self._last.get(pair, (0, seq))
        behind = (last - seq) % 65_536  # how far this sequence number is behind the pair's last (mod 2^16)
        if BACKWARDS < behind < 32_768:
            n, last = n + 1, seq  # far behind: the next call on this pair
        elif behind == 0 or behind >= 32_768:
            last = seq  # ahead (or the same): the call goes on
        self._last[pair] = (n, last)
        self.segments[(*pair, n)] += 1


class RtpCounter(threading.Thread):
    """UDP datagrams to or from ``port`` (or any port of ``port``..``last``: an rtpengine's range) on the loopback
    interface, by (source port, destination port), read from a packet socket. A kernel filter (classic BPF)
    hands it only those datagrams, cut to their headers, into a large buffer: a Python reader keeps up with 100
    calls/s of G.711 both ways."""

    def __init__(self, port: int, last: int | None = None, *, by_call: bool = False) -> None:
        """``by_call``: count also per call, in ``calls`` (CallSegments)."""
        last = port if last is None else last
        super().__init__(daemon=True)
        self.counts: collections.Counter = collections.Counter()
        self.by_call = by_call
        self.calls = CallSegments()
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0800))
        try:  # past net.core.rmem_max (root only)
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 256 * 1024 * 1024)
        except PermissionError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 * 1024 * 1024)
        program = [(0x28, 0, 0, 12), (0x15, 0, 12, 0x0800),  # Ethernet type IPv4, else drop
                   (0x30, 0, 0, 23), (0x15, 0, 10, 17),  # protocol UDP
                   (0x28, 0, 0, 20), (0x45, 8, 0, 0x1FFF),  # not a fragment's tail
                   (0xB1, 0, 0, 14),  # X = the IP header's length
                   (0x48, 0, 0, 14), (0x35, 0, 1, port), (0x25, 0, 3, last),  # source port in range: keep
                   (0x48, 0, 0, 16), (0x35, 0, 2, port), (0x25, 1, 0, last),  # destination port in range: keep
                   (0x06, 0, 0, 64), (0x06, 0, 0, 0)]  # keep 64 bytes / drop
        self._filter = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *op) for op in program))
        self.sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER,
                             struct.pack("HL", len(program), ctypes.addressof(self._filter)))
        self.sock.bind(("lo", 0))
        self.sock.settimeout(0.2)
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                data = self.sock.recv(65535)
            except TimeoutError:
                continue
            if len(data) > 34 and data[23] == 17:  # IPv4 (the socket's protocol) carrying UDP
                header = (data[14] & 0x0F) * 4
                pair = struct.unpack("!HH", data[14 + header:18 + header])
                self.counts[pair] += 1
                if self.by_call and len(data) >= 26 + header:  # the RTP header's sequence number
                    self.calls.add(pair, struct.unpack("!H", data[24 + header:26 + header])[0])

    def stop(self) -> collections.Counter:
        self.running = False
        self.join()
        self.sock.close()
        return self.counts

    def dropped(self) -> int:
        """Datagrams the kernel dropped because this reader fell behind (PACKET_STATISTICS: a count that is
        too low says so instead of passing for lost audio). Read before ``stop``."""
        _, drops = struct.unpack("II", self.sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
        return drops


def rtp_counter(port: int, last: int | None = None, *, by_call: bool = False) -> RtpCounter | None:
    """A counter of the datagrams to and from ``port`` (..``last``), None when this process may not read the
    interface."""
    try:
        return RtpCounter(port, last, by_call=by_call)
    except PermissionError:
        return None


class Centre:
    """``casashore route serve`` whose agents' phones are SIPp processes: ``phones`` kind -> (scenario, whether
    it echoes RTP, SIPp options), ``queues`` queue (also its number) -> its agents with their phone's kind, in the
    order they become available; ``router`` the [router] settings, ``media`` its [router.media] (TOML values,
    as written)."""

    def __init__(self, directory: Path, phones: dict, queues: dict, router: dict, media: dict | None = None) -> None:
        self.directory = directory
        self.phone_ports = {kind: free_port(socket.SOCK_DGRAM) for kind in phones}
        self.media_ports = {kind: free_port(socket.SOCK_DGRAM) for kind in phones}
        lines = ["[router]", *(f"{key} = {value}" for key, value in router.items()), ""]
        if media:
            lines += ["[router.media]", *(f"{key} = {value}" for key, value in media.items()), ""]
        for queue, agents in queues.items():
            lines += ["[[queues]]", f'name = "{queue}"', f'skill = "{queue}"', ""]
            for agent, kind in agents:
                lines += ["[[agents]]", f'id = "{agent}"', f"skills = {{ {queue} = 1 }}",
                          f'contact = "sip:{agent}@127.0.0.1:{self.phone_ports[kind]}"', ""]
        lines += ["[tokens]", f'supervisor = ["{SUPERVISOR}"]']
        (directory / "center.toml").write_text("\n".join(lines))
        self.sip_port, http_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
        self.log = (directory / "router.log").open("w")
        self.router = subprocess.Popen(
            [sys.executable, "-m", "casashore", "route", "serve", "--config", str(directory / "center.toml"),
             "--sip", f"127.0.0.1:{self.sip_port}", "--http", f"127.0.0.1:{http_port}", "--no-records"],
            cwd=directory, stdout=self.log, stderr=self.log, env=os.environ | {"NO_COLOR": "1"})
        self.phones = []
        for kind, (scenario, echo, extra) in phones.items():
            (directory / kind).mkdir()
            self.phones.append(subprocess.Popen(
                ["sipp", "-sf", str(SCENARIOS / scenario), "-i", "127.0.0.1", "-p", str(self.phone_ports[kind]),
                 "-mi", "127.0.0.1", "-mp", str(self.media_ports[kind]), *(["-rtp_echo"] if echo else []),
                 *extra, "-nostdin", "-trace_err", "-trace_counts", "-fd", "1"],
                cwd=directory / kind, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.api = httpx.Client(base_url=f"http://127.0.0.1:{http_port}",
                                headers={"Authorization": f"Bearer {SUPERVISOR}"}, timeout=30)
        wait_for_port(http_port, self.router, directory / "router.log")
        for agents in queues.values():  # in order: the first agent of each queue is the longest idle
            for agent, _ in agents:
                time.sleep(0.002)
                answer = self.api.post(f"/api/agents/{agent}/status", json={"status": "available"})
                assert answer.status_code == 200, answer.text

    def call(self, name: str, scenario: str, queue: str, calls: int, *extra: str, rate: float = 2,
             check: bool = True, media_port: int | None = None) -> dict[str, str]:
        """SIPp places ``calls`` into ``queue`` with ``scenario`` at ``rate`` calls/s, its media on
        ``media_port`` (else a free one); its last statistics line (``check``: SIPp must have succeeded with
        every call)."""
        directory = self.directory / f"caller-{name}"
        directory.mkdir()
        shutil.copy(PCAP, directory / "g711a.pcap")  # play_pcap_audio reads it from SIPp's directory
        done = subprocess.run(
            ["sipp", f"127.0.0.1:{self.sip_port}", "-sf", str(SCENARIOS / scenario), "-s", queue,
             "-i", "127.0.0.1", "-p", str(free_port(socket.SOCK_DGRAM)), "-mi", "127.0.0.1",
             "-mp", str(media_port or free_port(socket.SOCK_DGRAM)), "-r", str(rate), "-m", str(calls), *extra,
             "-nostdin",
             "-trace_stat", "-trace_counts", "-trace_err", "-timeout", str(SAFETY_S), "-timeout_error"],
            cwd=directory, capture_output=True, timeout=SAFETY_S + 30)
        rows = list(csv.reader(next(directory.glob("*_.csv")).open(), delimiter=";"))
        stats = dict(zip(rows[0], rows[-1], strict=False))
        errors = next(directory.glob("*_errors.log"), None)
        assert not check or done.returncode == 0, (stats.get("FailedCall(C)"),
                                                   errors.read_text()[-2000:] if errors else "")
        return stats

    def caller_counts(self, name: str) -> dict[str, int]:
        """The per-message counts of the SIPp that placed the calls ``name`` (after it ended)."""
        rows = list(csv.reader(next((self.directory / f"caller-{name}").glob("*_counts.csv")).open(), delimiter=";"))
        return {key: int(value) for key, value in zip(rows[0][2:], rows[-1][2:], strict=False)
                if key and value.isdigit()}

    def stats(self) -> dict[str, int]:
        return self.api.get("/api/stats").json()

    def agent(self, agent_id: str) -> dict:
        return next(a for a in self.api.get("/api/agents").json() if a["agent"] == agent_id)

    def phone_counts(self, kind: str) -> dict[str, int]:
        """The last line of a phone SIPp's per-message counts (written every second)."""
        path = next((self.directory / kind).glob("*_counts.csv"), None)
        if path is None:
            return {}
        rows = list(csv.reader(path.open(), delimiter=";"))
        return {name: int(value) for name, value in zip(rows[0][2:], rows[-1][2:], strict=False)
                if name and value.isdigit()}

    def close(self) -> None:
        for phone in self.phones:
            phone.terminate()
        for phone in self.phones:
            try:
                phone.wait(10)
            except subprocess.TimeoutExpired:
                phone.kill()
        self.router.send_signal(signal.SIGINT)
        try:
            self.router.wait(SAFETY_S)
        except subprocess.TimeoutExpired:
            self.router.kill()
            self.router.wait()
        self.log.close()


def audio_both_ways(counts: collections.Counter, phone_media: int) -> tuple[int, int]:
    """(RTP datagrams sent to the phone's media port, datagrams its echo sent back)."""
    sent = sum(n for (src, dst), n in counts.items() if dst == phone_media and src != phone_media)
    back = sum(n for (src, dst), n in counts.items() if src == phone_media and dst != phone_media)
    return sent, back
