"""A throwaway rtpengine for the tests: userspace only (no kernel module: ``--table=-1``), on loopback, its ng
control port and RTP port range of its own, recording to a directory of the test's. Started and stopped by the
test; a test skips with the reason when /usr/bin/rtpengine is absent (Debian package ``rtpengine-daemon``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from casashore.route.media.bencode import decode, encode

RTPENGINE = shutil.which("rtpengine") or "/usr/bin/rtpengine"
START_LIMIT_S = 30.0
"""A safety limit on waiting for the engine's first pong (it answers within a second on an idle machine)."""


def require_rtpengine() -> str:
    if not os.access(RTPENGINE, os.X_OK):
        pytest.skip("rtpengine is not installed (Debian package rtpengine-daemon)")
    return RTPENGINE


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ping(port: int, timeout_s: float = 0.5) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(timeout_s)
        client.sendto(b"probe1 " + encode({"command": "ping"}), ("127.0.0.1", port))
        try:
            data = client.recv(4096)
        except OSError:
            return False
    return data.startswith(b"probe1 ") and decode(data.split(b" ", 1)[1]).get("result") == b"pong"


@contextlib.contextmanager
def running_rtpengine(directory: Path, *, recording: bool = True, ports: range | None = None):
    """Yields (ng port, RTP port range, recording dir); the process is stopped at the end. ``ports``: its RTP
    ports (a benchmark's thousands of calls need more than the tests' 100)."""
    binary = require_rtpengine()
    ng_port = free_udp_port()
    base = 30_000 + (os.getpid() % 250) * 100  # a range of its own per test process, 100 ports
    ports = ports if ports is not None else range(base, base + 100)
    recordings = directory / "recordings"
    recordings.mkdir(parents=True, exist_ok=True)
    args = [binary, "--foreground", "--log-stderr", "--table=-1", "--interface=127.0.0.1",
            f"--listen-ng=127.0.0.1:{ng_port}", f"--port-min={ports.start}", f"--port-max={ports.stop - 1}",
            "--delete-delay=0", "--num-threads=2", "--log-level=5"]
    if recording:
        args += [f"--recording-dir={recordings}", "--recording-method=pcap"]
    log = open(directory / "rtpengine.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_LIMIT_S
        while not ping(ng_port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"rtpengine did not start: {(directory / 'rtpengine.log').read_text()[-2000:]}")
        yield ng_port, ports, recordings
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
