"""The router rings agents' phones with real SIP clients on loopback: SIPp as the trunk (a caller that plays
Debian sip-tester's G.711 A-law recording once answered) and SIPp as agents' phones (fixed contacts in the
centre file), one SIPp per kind of phone: one that answers and echoes the RTP it gets (-rtp_echo), one that
answers and hangs up, two that ring and are never picked up, one that is busy. One router serves every test;
each queue's agents have the phone the test is about, so the tests do not disturb one another.

Checked: SIPp's own verdict (0 failed calls: every caller answered, or cancelled as written), the router's
counts through its API, the agents' states (missed offers), and — where the machine lets a test read the
loopback interface (root or CAP_NET_RAW) — the audio: every RTP packet the caller sent to the phone's SDP
address came back from the phone's echo (direct media: the caller talks to the phone, not to the router).
No assertion depends on the machine's speed; waits are on conditions, with a safety limit."""

from __future__ import annotations

import collections
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
import pytest

from router_nodes import SAFETY_S, free_port, wait_for_port, wait_until

pytestmark = pytest.mark.skipif(shutil.which("sipp") is None,
                                reason="SIPp is not installed (Debian package sip-tester; .ci/run installs it)")
SCENARIOS = Path(__file__).parent / "sipp"
PCAP = Path("/usr/share/sip-tester/g711a.pcap")
SUPERVISOR = "supervisor-token-for-the-b2bua-test"
PHONES = {  # kind -> (scenario, echoes RTP, extra SIPp options)
    "answers": ("agent_phone.xml", True, ()),
    "hangs_up": ("agent_phone_hangs_up.xml", True, ("-d", "1500")),
    "deaf": ("agent_phone_no_answer.xml", False, ()),
    "deaf_too": ("agent_phone_no_answer.xml", False, ()),
    "busy": ("agent_phone_busy.xml", False, ()),
}
QUEUES = {  # queue (its number) -> its agents, each with its phone's kind, in the order they become available
    "talk": [("t0", "answers"), ("t1", "answers")],
    "agent_bye": [("h0", "hangs_up")],
    "no_answer": [("d0", "deaf"), ("r1", "answers")],
    "busy": [("b0", "busy"), ("b1", "answers")],
    "cancel": [("c0", "deaf_too")],
}


class RtpCounter(threading.Thread):
    """UDP datagrams on the loopback interface by (source port, destination port), read from a packet socket."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.counts: collections.Counter = collections.Counter()
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0800))
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
                self.counts[struct.unpack("!HH", data[14 + header:18 + header])] += 1

    def stop(self) -> collections.Counter:
        self.running = False
        self.join()
        self.sock.close()
        return self.counts


def rtp_counter() -> RtpCounter | None:
    try:
        return RtpCounter()
    except PermissionError:
        return None


class Centre:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.phone_ports = {kind: free_port(socket.SOCK_DGRAM) for kind in PHONES}
        self.media_ports = {kind: free_port(socket.SOCK_DGRAM) for kind in PHONES}
        lines = ["[router]", "offer_timeout_s = 2", "wrap_up_s = 0.2", "max_missed = 2", ""]
        for queue, agents in QUEUES.items():
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
        for kind, (scenario, echo, extra) in PHONES.items():
            (directory / kind).mkdir()
            self.phones.append(subprocess.Popen(
                ["sipp", "-sf", str(SCENARIOS / scenario), "-i", "127.0.0.1", "-p", str(self.phone_ports[kind]),
                 "-mi", "127.0.0.1", "-mp", str(self.media_ports[kind]), *(["-rtp_echo"] if echo else []),
                 *extra, "-nostdin", "-trace_err", "-trace_counts", "-fd", "1"],
                cwd=directory / kind, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.api = httpx.Client(base_url=f"http://127.0.0.1:{http_port}",
                                headers={"Authorization": f"Bearer {SUPERVISOR}"}, timeout=30)
        wait_for_port(http_port, self.router, directory / "router.log")
        for agents in QUEUES.values():  # in order: the first agent of each queue is the longest idle
            for agent, _ in agents:
                time.sleep(0.01)
                answer = self.api.post(f"/api/agents/{agent}/status", json={"status": "available"})
                assert answer.status_code == 200, answer.text

    def call(self, name: str, scenario: str, queue: str, calls: int, *extra: str) -> dict[str, str]:
        """SIPp places ``calls`` into ``queue`` with ``scenario``; its last statistics line."""
        directory = self.directory / f"caller-{name}"
        directory.mkdir()
        shutil.copy(PCAP, directory / "g711a.pcap")  # play_pcap_audio reads it from SIPp's directory
        done = subprocess.run(
            ["sipp", f"127.0.0.1:{self.sip_port}", "-sf", str(SCENARIOS / scenario), "-s", queue,
             "-i", "127.0.0.1", "-p", str(free_port(socket.SOCK_DGRAM)), "-mi", "127.0.0.1",
             "-mp", str(free_port(socket.SOCK_DGRAM)), "-r", "2", "-m", str(calls), *extra, "-nostdin",
             "-trace_stat", "-trace_err", "-timeout", str(SAFETY_S), "-timeout_error"],
            cwd=directory, capture_output=True, timeout=SAFETY_S + 30)
        import csv

        rows = list(csv.reader(next(directory.glob("*_.csv")).open(), delimiter=";"))
        stats = dict(zip(rows[0], rows[-1], strict=False))
        errors = next(directory.glob("*_errors.log"), None)
        assert done.returncode == 0, (stats.get("FailedCall(C)"), errors.read_text()[-2000:] if errors else "")
        return stats

    def stats(self) -> dict[str, int]:
        return self.api.get("/api/stats").json()

    def agent(self, agent_id: str) -> dict:
        return next(a for a in self.api.get("/api/agents").json() if a["agent"] == agent_id)

    def phone_counts(self, kind: str) -> dict[str, int]:
        """The last line of a phone SIPp's per-message counts (written every second)."""
        import csv

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


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    centre = Centre(tmp_path_factory.mktemp("b2bua"))
    try:
        yield centre
    finally:
        centre.close()
    assert "Traceback" not in (centre.directory / "router.log").read_text()


def audio_both_ways(counts: collections.Counter, phone_media: int) -> tuple[int, int]:
    """(RTP datagrams sent to the phone's media port, datagrams its echo sent back)."""
    sent = sum(n for (src, dst), n in counts.items() if dst == phone_media and src != phone_media)
    back = sum(n for (src, dst), n in counts.items() if src == phone_media and dst != phone_media)
    return sent, back


def test_answered_calls_hung_up_by_the_caller_carry_audio_both_ways(centre):
    before = centre.stats()
    counter = rtp_counter()
    if counter is not None:
        counter.start()
    stats = centre.call("talk", "caller_audio.xml", "talk", 4, "-d", "2000")
    assert int(stats["SuccessfulCall(C)"]) == 4 and int(stats["FailedCall(C)"]) == 0
    wait_until(lambda: centre.stats()["answered"] - before["answered"] == 4, "4 calls answered")
    wait_until(lambda: centre.phone_counts("answers").get("4_BYE_Recv", 0) >= 4, "the phone's 4 BYEs")
    if counter is None:
        pytest.skip("RTP not counted: reading the loopback interface needs root or CAP_NET_RAW (SIP checked)")
    sent, back = audio_both_ways(counter.stop(), centre.media_ports["answers"])
    # 2 s of a 7 s recording per call, 30 ms packets: about 66 per call; the echo returns each one
    assert sent >= 4 * 30, sent
    assert back >= sent - 4, (sent, back)  # at most the packet in flight at each hang-up


def test_the_agents_phone_hangs_up_and_the_caller_gets_the_bye(centre):
    before = centre.stats()
    counter = rtp_counter()
    if counter is not None:
        counter.start()
    stats = centre.call("agent_bye", "caller_waits_bye.xml", "agent_bye", 3)
    assert int(stats["SuccessfulCall(C)"]) == 3 and int(stats["FailedCall(C)"]) == 0
    wait_until(lambda: centre.stats()["answered"] - before["answered"] == 3, "3 calls answered")
    if counter is not None:
        sent, back = audio_both_ways(counter.stop(), centre.media_ports["hangs_up"])
        assert sent > 0 and back >= sent - 3, (sent, back)


def test_a_phone_never_answered_is_cancelled_and_the_call_goes_to_the_next_agent(centre):
    before = centre.stats()
    stats = centre.call("no_answer", "caller_audio.xml", "no_answer", 3, "-d", "500")
    assert int(stats["SuccessfulCall(C)"]) == 3 and int(stats["FailedCall(C)"]) == 0  # no caller heard a failure
    wait_until(lambda: centre.stats()["answered"] - before["answered"] == 3, "3 calls answered")
    d0 = centre.agent("d0")
    assert d0["missed_call"] is not None  # its phone rang past offer_timeout_s: a missed offer, kept
    assert centre.agent("r1")["calls_handled"] == 3
    def rings_ended():
        counts = centre.phone_counts("deaf")
        return counts.get("0_INVITE_Recv", 0) >= 1 and counts["0_INVITE_Recv"] == counts.get("5_ACK_Recv") and counts

    counts = wait_until(rings_ended, "each ring of the deaf phone CANCELled, its 487 ACKed")
    assert counts["2_CANCEL_Recv"] == counts["0_INVITE_Recv"]


def test_a_busy_phone_sends_the_call_to_the_next_agent(centre):
    before = centre.stats()
    stats = centre.call("busy", "caller_audio.xml", "busy", 3, "-d", "500")
    assert int(stats["SuccessfulCall(C)"]) == 3 and int(stats["FailedCall(C)"]) == 0
    wait_until(lambda: centre.stats()["answered"] - before["answered"] == 3, "3 calls answered")
    assert centre.agent("b1")["calls_handled"] == 3
    b0 = centre.agent("b0")
    assert b0["missed_call"] is not None and b0["calls_handled"] == 0
    wait_until(lambda: centre.phone_counts("busy").get("2_ACK_Recv", 0) >= 1, "the busy phone's 486 ACKed")


def test_the_caller_cancels_while_the_phone_rings(centre):
    before = centre.stats()
    stats = centre.call("cancel", "caller_cancel.xml", "cancel", 2, "-d", "800")
    assert int(stats["SuccessfulCall(C)"]) == 2 and int(stats["FailedCall(C)"]) == 0
    wait_until(lambda: centre.stats()["abandoned"] - before["abandoned"] == 2, "2 calls abandoned")
    wait_until(lambda: centre.phone_counts("deaf_too").get("5_ACK_Recv", 0) == 2, "both rings cancelled")
    assert centre.phone_counts("deaf_too")["2_CANCEL_Recv"] == 2
    assert centre.agent("c0")["missed_call"] is None  # the caller left: not the agent's miss
