"""An agent's phone registering with `casashore route serve` as a real SIP client does it: SIPp (Debian's
sip-tester) answers the router's digest challenge with the agent's password (MD5: SIPp's only digest algorithm),
the binding appears in the API, SIPp un-registers (Expires: 0) and the binding is gone; a wrong password is
refused with 403 and binds nothing. A few REGISTERs on loopback: seconds, no load."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from router_nodes import SAFETY_S, free_port, wait_for_port

pytestmark = pytest.mark.skipif(shutil.which("sipp") is None,
                                reason="SIPp is not installed (Debian package sip-tester; .ci/run installs it)")
SCENARIOS = Path(__file__).parent / "sipp"
PASSWORD = "amina's phone password"
SUPERVISOR = "supervisor-token-for-the-registrar-test"
CENTRE = f"""
[router]
sip_realm = "casashore-test"
sip_digest_algorithms = ["MD5"]

[[queues]]
name = "fr_bank"
skill = "fr"

[[agents]]
id = "amina"
skills = {{ fr = 1 }}
sip_user = "amina"
ha1_md5 = "{hashlib.md5(f"amina:casashore-test:{PASSWORD}".encode()).hexdigest()}"

[tokens]
supervisor = ["{SUPERVISOR}"]
"""


def sipp(tmp_path: Path, sip_port: int, scenario: str, password: str, expires: int,
         phone_port: int) -> subprocess.CompletedProcess:
    """The phone at 127.0.0.1:``phone_port`` (its contact) through ``scenario`` (one REGISTER dialogue) with
    SIPp; exit status 0 when it went as written."""
    directory = tmp_path / f"sipp-{scenario}-{expires}"
    directory.mkdir()
    return subprocess.run(
        ["sipp", f"127.0.0.1:{sip_port}", "-sf", str(SCENARIOS / scenario), "-s", "amina", "-au", "amina",
         "-ap", password, "-key", "expires", str(expires), "-i", "127.0.0.1", "-p", str(phone_port),
         "-m", "1", "-nostdin", "-timeout", "20", "-timeout_error", "-trace_err", "-trace_msg"],
        cwd=directory, capture_output=True, timeout=SAFETY_S)


def test_sipp_registers_with_digest_then_unregisters_and_a_wrong_password_is_refused(tmp_path):
    (tmp_path / "center.toml").write_text(CENTRE)
    sip_port, http_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    log = (tmp_path / "router.log").open("w")
    router = subprocess.Popen([sys.executable, "-m", "casashore", "route", "serve", "--config",
                               str(tmp_path / "center.toml"), "--sip", f"127.0.0.1:{sip_port}", "--http",
                               f"127.0.0.1:{http_port}", "--no-records"], cwd=tmp_path, stdout=log, stderr=log,
                              env=os.environ | {"NO_COLOR": "1"})
    api = httpx.Client(base_url=f"http://127.0.0.1:{http_port}", headers={"Authorization": f"Bearer {SUPERVISOR}"})
    try:
        wait_for_port(http_port, router, tmp_path / "router.log")

        def bindings() -> list[dict]:
            answer = api.get("/api/agents/amina/registration")
            assert answer.status_code == 200, answer.text
            return answer.json()["bindings"]

        phone = free_port(socket.SOCK_DGRAM)
        refused = sipp(tmp_path, sip_port, "register_refused.xml", "not the password", 120, phone)
        assert refused.returncode == 0, refused.stderr.decode()[-800:]
        assert bindings() == []

        registered = sipp(tmp_path, sip_port, "register.xml", PASSWORD, 120, phone)
        assert registered.returncode == 0, registered.stderr.decode()[-800:]
        [binding] = bindings()
        assert binding["contact"].startswith("sip:amina@127.0.0.1:") and 0 < binding["expires_in_s"] <= 120
        assert api.get("/api/agents/amina/registration").json()["contact"] == binding["contact"]

        unregistered = sipp(tmp_path, sip_port, "register.xml", PASSWORD, 0, phone)
        assert unregistered.returncode == 0, unregistered.stderr.decode()[-800:]
        assert bindings() == []
    finally:
        api.close()
        router.send_signal(signal.SIGINT)
        try:
            router.wait(30)
        except subprocess.TimeoutExpired:
            router.kill()
            router.wait()
        log.close()
    assert "REGISTER refused (wrong user or password) for user 'amina'" in (tmp_path / "router.log").read_text()
