"""A real softphone as an agent's phone: baresip (Debian package) registers with `casashore route serve` (digest
MD5, its password known only to baresip; the centre holds the HA1), auto-answers the router's INVITE, and a SIPp
caller talks to it for 2 s: the caller is answered with baresip's SDP and — where the test may read the loopback
interface — receives baresip's audio (a tone file it plays) directly, not through the router."""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import wave
from pathlib import Path

import httpx
import pytest

from b2bua_centre import PCAP, SCENARIOS, rtp_counter
from router_nodes import SAFETY_S, free_port, wait_for_port, wait_until

pytestmark = pytest.mark.skipif(shutil.which("baresip") is None or shutil.which("sipp") is None,
                                reason="baresip or SIPp is not installed (Debian packages baresip, sip-tester)")
PASSWORD = "amina-softphone-secret"  # (an accounts-file parameter: no spaces or ';')
SUPERVISOR = "supervisor-token-for-the-baresip-test"


def tone(path: Path, seconds: int = 20) -> None:
    """An 8 kHz mono WAV of a 440 Hz tone: what baresip sends as the agent's voice."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000)))
                                 for i in range(8000 * seconds)))


def test_baresip_registers_auto_answers_and_the_caller_hears_it(tmp_path):
    sip_port, http_port, phone_port = (free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM),
                                       free_port(socket.SOCK_DGRAM))
    ha1 = hashlib.md5(f"amina:casashore:{PASSWORD}".encode()).hexdigest()
    (tmp_path / "center.toml").write_text(f"""
[router]
sip_digest_algorithms = ["MD5"]
offer_timeout_s = 10

[[queues]]
name = "fr_bank"
skill = "fr"

[[agents]]
id = "amina"
skills = {{ fr = 1 }}
sip_user = "amina"
ha1_md5 = "{ha1}"

[tokens]
supervisor = ["{SUPERVISOR}"]
""")
    conf = tmp_path / "baresip"
    conf.mkdir()
    tone(tmp_path / "tone.wav")
    (conf / "config").write_text(
        f"sip_listen 127.0.0.1:{phone_port}\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\n"
        f"module aufile.so\nmodule account.so\nmodule menu.so\naudio_source aufile,{tmp_path / 'tone.wav'}\n"
        "audio_player aufile,/dev/null\naudio_alert aufile,/dev/null\n")
    (conf / "accounts").write_text(f"<sip:amina@127.0.0.1:{sip_port}>;auth_pass={PASSWORD};answermode=auto;"
                                   "regint=300\n")
    log = (tmp_path / "router.log").open("w")
    router = subprocess.Popen([sys.executable, "-m", "casashore", "route", "serve", "--config",
                               str(tmp_path / "center.toml"), "--sip", f"127.0.0.1:{sip_port}", "--http",
                               f"127.0.0.1:{http_port}", "--no-records"], cwd=tmp_path, stdout=log, stderr=log,
                              env=os.environ | {"NO_COLOR": "1"})
    phone = None
    api = httpx.Client(base_url=f"http://127.0.0.1:{http_port}", headers={"Authorization": f"Bearer {SUPERVISOR}"},
                       timeout=30)
    try:
        wait_for_port(http_port, router, tmp_path / "router.log")
        phone = subprocess.Popen(["baresip", "-f", str(conf)], stdin=subprocess.DEVNULL,
                                 stdout=(tmp_path / "baresip.log").open("w"), stderr=subprocess.STDOUT)
        wait_until(lambda: api.get("/api/agents/amina/registration").json()["bindings"], "baresip registered")
        assert api.post("/api/agents/amina/status", json={"status": "available"}).status_code == 200
        caller_media = free_port(socket.SOCK_DGRAM)
        counter = rtp_counter(caller_media)
        if counter is not None:
            counter.start()
        shutil.copy(PCAP, tmp_path / "g711a.pcap")
        sipp = subprocess.run(
            ["sipp", f"127.0.0.1:{sip_port}", "-sf", str(SCENARIOS / "caller_audio.xml"), "-s", "fr_bank",
             "-i", "127.0.0.1", "-p", str(free_port(socket.SOCK_DGRAM)), "-mi", "127.0.0.1", "-mp",
             str(caller_media), "-d", "2000", "-m", "1", "-nostdin", "-trace_err", "-timeout", "60",
             "-timeout_error"], cwd=tmp_path, capture_output=True, timeout=SAFETY_S)
        assert sipp.returncode == 0, (tmp_path / "baresip.log").read_text()[-3000:]
        wait_until(lambda: api.get("/api/stats").json()["answered"] == 1, "the call answered")
        assert "Call established" in (tmp_path / "baresip.log").read_text()
        if counter is None:
            pytest.skip("RTP not counted: reading the loopback interface needs root or CAP_NET_RAW (SIP checked)")
        heard = wait_until(lambda: sum(n for (src, dst), n in counter.counts.items()
                                       if dst == caller_media and src != caller_media), "baresip's audio")
        counter.stop()
        assert heard >= 25, heard  # 2 s of 20 ms packets is 100: at least a quarter of them reached the caller
    finally:
        if phone is not None:
            phone.send_signal(signal.SIGTERM)
            try:
                phone.wait(10)
            except subprocess.TimeoutExpired:
                phone.kill()
        router.send_signal(signal.SIGINT)
        try:
            router.wait(SAFETY_S)
        except subprocess.TimeoutExpired:
            router.kill()
        log.close()
