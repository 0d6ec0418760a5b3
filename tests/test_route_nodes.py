"""Two `casashore route serve --redis` nodes of one centre on a real redis-server: a call that came in over SIP
on one node is accepted by an agent through the other node's API, the first node answers the caller; both nodes'
statistics count it; a node killed with SIGKILL leaves the membership within the heartbeat's life; a phone
registered through one node is seen by the other."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from casashore.route.state.call_ids import router_id
from redis_server import needs_redis, redis_server
from router_nodes import free_port
from served import START_S

pytestmark = needs_redis
CENTER = Path(__file__).resolve().parents[1] / "examples" / "center.toml"
SUPERVISOR, AMINA = "supervisor-demo-token-change-me", "agent-amina-demo-token"


def api(url: str, token: str, body: dict | None = None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}",
                                                   "Content-Type": "application/json"},
                                     data=None if body is None else json.dumps(body).encode(),
                                     method="GET" if body is None else "POST")
    return json.loads(urllib.request.urlopen(request, timeout=5).read())


def start_node(name: str, redis_port: int, tmp_path: Path, sip: int | None = None,
               extra: str = "", router: str = "") -> tuple[subprocess.Popen, str]:
    """A node on the example centre, with ``router`` keys added to its [router] and ``extra`` TOML at the end of
    its file (a chat queue), returned once it answers."""
    process, url = launch_node(name, redis_port, tmp_path, sip, extra, router)
    wait_node(name, process, url)
    return process, url


def launch_node(name: str, redis_port: int, tmp_path: Path, sip: int | None = None,
                extra: str = "", router: str = "") -> tuple[subprocess.Popen, str]:
    """start_node's process, not waited for: several nodes start side by side, then ``wait_node`` each."""
    http = f"127.0.0.1:{free_port()}"
    config = tmp_path / "center.toml"  # the example, with a dead node's callers given 3 s to be taken over
    config.write_text(CENTER.read_text().replace("[router]\n", "[router]\norphan_grace_s = 3\n" + router, 1)
                      + extra)
    args = [sys.executable, "-m", "casashore", "route", "serve", "--config", str(config), "--http", http,
            "--redis", f"redis://127.0.0.1:{redis_port}", "--node", name, "--no-records"]
    if sip is not None:
        args += ["--sip", f"127.0.0.1:{sip}"]
    return subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE), f"http://{http}"


def wait_node(name: str, process: subprocess.Popen, url: str) -> None:
    """Until the node answers its API (the state waited for); it failing to start ends the wait at once with its
    last words; START_S is only a safety valve (a busy 2-core machine has taken over a minute to start one)."""
    deadline = time.monotonic() + START_S
    while True:
        try:
            api(f"{url}/api/nodes", SUPERVISOR)
            return
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"node {name} did not start: " + process.stderr.read().decode()[-1500:])
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"node {name} did not answer within {START_S:.0f} s (a safety valve)")
            time.sleep(0.2)


def invite(port: int, call_id: str, branch: str = "") -> bytes:
    sdp = b"v=0\r\no=c 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 8\r\n"
    head = (f"INVITE sip:fr_bank@127.0.0.1:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK{call_id}{branch}\r\n"
            f"From: <sip:caller@127.0.0.1>;tag=c1\r\nTo: <sip:fr_bank@127.0.0.1>\r\nCall-ID: {call_id}\r\n"
            f"CSeq: 1 INVITE\r\nContact: <sip:caller@127.0.0.1:5999>\r\nContent-Type: application/sdp\r\n"
            f"Content-Length: {len(sdp)}\r\n\r\n")
    return head.encode() + sdp


def replies(phone: socket.socket, call_id: str, n: int) -> list[str]:
    """The first lines of the next n messages about this call (others, such as repeated 200s, skipped)."""
    found = []
    while len(found) < n:
        message = phone.recv(4000).decode()
        if f"Call-ID: {call_id}\r\n" in message:
            found.append(message.split("\r\n")[0])
    return found


def test_two_nodes_share_one_centre(tmp_path):
    with redis_server(tmp_path) as redis_port:
        sip_a = free_port(socket.SOCK_DGRAM)
        node_a, url_a = start_node("node-a", redis_port, tmp_path, sip=sip_a)
        sip_b = free_port(socket.SOCK_DGRAM)
        node_b, url_b = start_node("node-b", redis_port, tmp_path, sip=sip_b)
        try:
            assert api(f"{url_a}/api/nodes", SUPERVISOR) == ["node-a", "node-b"]
            api(f"{url_b}/api/agents/amina/status", AMINA, {"status": "available"})  # through node B
            phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            phone.settimeout(3)
            phone.bind(("127.0.0.1", 0))
            call_id = uuid.uuid4().hex
            phone.sendto(invite(sip_a, call_id), ("127.0.0.1", sip_a))  # the call comes in on node A
            assert phone.recv(4000).decode().split("\r\n")[0] == "SIP/2.0 180 Ringing"  # (no 100 Trying)
            offered = api(f"{url_b}/api/calls/{router_id(call_id)}", SUPERVISOR)
            assert offered["state"] == "offered" and offered["agent"] == "amina"
            accepted = api(f"{url_b}/api/agents/amina/accept/{router_id(call_id)}", AMINA, {})  # accepted on node B
            assert accepted["state"] == "busy"
            ok = phone.recv(4000).decode()
            assert ok.startswith("SIP/2.0 200 OK") and "m=audio" in ok  # node A answers its caller
            for url in (url_a, url_b):
                fr = {q["queue"]: q for q in api(f"{url}/api/queues", SUPERVISOR)}["fr_bank"]
                assert fr["rolling"]["answered"] == 1 and fr["agents"].get("busy") == 1
            orphan, adopted = uuid.uuid4().hex, uuid.uuid4().hex
            for waiting in (orphan, adopted):  # amina is busy: both wait on node B
                phone.sendto(invite(sip_b, waiting), ("127.0.0.1", sip_b))
                assert replies(phone, waiting, 1) == ["SIP/2.0 180 Ringing"]
            node_b.send_signal(signal.SIGKILL)
            node_b.wait(5)
            deadline = time.monotonic() + 5  # the heartbeat lives 3 s
            while api(f"{url_a}/api/nodes", SUPERVISOR) != ["node-a"]:
                assert time.monotonic() < deadline, "a killed node stayed a member"
                time.sleep(0.2)
            # a dispatcher re-sends one caller's INVITE to node A (new branch): A takes the call over, its place kept
            phone.sendto(invite(sip_a, adopted, branch="x"), ("127.0.0.1", sip_a))
            assert replies(phone, adopted, 1) == ["SIP/2.0 180 Ringing"]
            deadline = time.monotonic() + 8
            while api(f"{url_a}/api/calls/{router_id(orphan)}", SUPERVISOR)["state"] != "ended":
                assert time.monotonic() < deadline, "a dead node's caller nobody took over kept waiting"
                time.sleep(0.2)
            # nobody is on that line any more: it is ended, not offered to the next free agent
            assert api(f"{url_a}/api/calls/{router_id(orphan)}", SUPERVISOR)["outcome"] == "abandoned"
            kept = api(f"{url_a}/api/calls/{router_id(adopted)}", SUPERVISOR)
            assert kept["state"] == "waiting" and kept["position"] == 1  # first in line for the next agent
            phone.close()
        finally:
            for process in (node_a, node_b):
                if process.poll() is None:
                    process.terminate()
                    process.wait(15)


def first_reply(phone: socket.socket, call_id: str, status: str, within_s: float) -> list[str]:
    """Every first line about this call until one starts with ``status``; fails after ``within_s``."""
    seen, deadline = [], time.monotonic() + within_s
    while not seen or not seen[-1].startswith(status):
        assert time.monotonic() < deadline, f"no {status} for {call_id}: {seen}"
        seen += replies(phone, call_id, 1)
    return seen


def test_a_resent_invite_waits_for_its_node_to_die_and_an_answered_caller_hears_the_answer(tmp_path):
    """A dispatcher may re-send a caller's INVITE while its node is only slow, or dead without its heartbeat
    having expired yet: the new node rings the caller and takes the call over only once the old node's heartbeat
    has expired. A call an agent answered through another node after its own node died is answered (200) by
    the node its INVITE is re-sent to."""
    with redis_server(tmp_path) as redis_port:
        sip_a, sip_b = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
        node_a, url_a = start_node("node-a", redis_port, tmp_path, sip=sip_a)
        node_b, _ = start_node("node-b", redis_port, tmp_path, sip=sip_b)
        phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        phone.settimeout(6)
        phone.bind(("127.0.0.1", 0))
        try:
            api(f"{url_a}/api/agents/amina/status", AMINA, {"status": "available"})
            offered, waiting = uuid.uuid4().hex, uuid.uuid4().hex
            for call_id in (offered, waiting):  # both come in on node B: amina is offered the first
                phone.sendto(invite(sip_b, call_id), ("127.0.0.1", sip_b))
                assert replies(phone, call_id, 1) == ["SIP/2.0 180 Ringing"]
            assert api(f"{url_a}/api/calls/{router_id(offered)}", SUPERVISOR)["agent"] == "amina"
            phone.sendto(invite(sip_a, waiting, branch="x"), ("127.0.0.1", sip_a))  # B is alive: A only rings
            assert replies(phone, waiting, 1) == ["SIP/2.0 180 Ringing"]
            time.sleep(1)
            assert api(f"{url_a}/api/calls/{router_id(waiting)}", SUPERVISOR)["state"] == "waiting"
            node_b.send_signal(signal.SIGKILL)
            node_b.wait(5)
            killed = time.monotonic()
            api(f"{url_a}/api/agents/amina/accept/{router_id(offered)}", AMINA, {})  # B cannot send this 200 any more
            phone.sendto(invite(sip_a, offered, branch="x"), ("127.0.0.1", sip_a))
            answer = first_reply(phone, offered, "SIP/2.0 200 OK", within_s=8)
            assert set(answer[:-1]) <= {"SIP/2.0 180 Ringing"}
            assert time.monotonic() - killed < 6  # once B's heartbeat (3 s) expired
            time.sleep(4)  # past the orphan grace (3 s): the caller A took over still waits, first in line
            kept = api(f"{url_a}/api/calls/{router_id(waiting)}", SUPERVISOR)
            assert kept["state"] == "waiting" and kept["position"] == 1, kept
        finally:
            phone.close()
            for process in (node_a, node_b):
                if process.poll() is None:
                    process.terminate()
                    process.wait(15)


def sip_register(sock: socket.socket, node_port: int, phone, **options) -> int:
    """One REGISTER of ``phone`` (test_route_registrar.Phone; ``options`` its register's) to a node over UDP,
    answering its challenge (a first one, or for a nonce of another node's: stale); the final status."""
    from casashore.route.sip.digest import parse_credentials
    from casashore.route.sip.message import parse

    for _ in range(3):
        sock.sendto(phone.register(**options), ("127.0.0.1", node_port))
        answer = parse(sock.recv(4000))
        if answer.status != 401:
            return answer.status
        phone.challenge, phone.nc = parse_credentials(answer.all("WWW-Authenticate")[0]), 0
    return 401


def test_a_phone_registered_through_one_node_is_seen_by_the_other(tmp_path):
    """`route serve --redis`: the agents' bindings are the centre's, in Redis (state/shared_registrations.py):
    amina's phone registers through node A; node B shows where it rings; it unregisters through node B (whose
    nonce it must get first) and node A shows it gone."""
    from test_route_registrar import Phone

    with redis_server(tmp_path) as redis_port:
        sip_a, sip_b = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
        node_a, url_a = start_node("node-a", redis_port, tmp_path, sip=sip_a)
        node_b, url_b = start_node("node-b", redis_port, tmp_path, sip=sip_b)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(5)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        try:
            phone = Phone("amina", "amina-demo-sip-password", contact=f"sip:amina@127.0.0.1:{port}")
            assert sip_register(sock, sip_a, phone) == 200
            seen = api(f"{url_b}/api/agents/amina/registration", SUPERVISOR)
            assert seen["contact"] == phone.contact
            [binding] = seen["bindings"]
            assert binding["source"] == f"127.0.0.1:{port}" and 0 < binding["expires_in_s"] <= 300
            assert sip_register(sock, sip_b, phone, expires="0") == 200  # node A's nonce is stale on node B
            assert api(f"{url_a}/api/agents/amina/registration", SUPERVISOR)["bindings"] == []
        finally:
            sock.close()
            for process in (node_a, node_b):
                process.terminate()
                process.wait(15)
