"""`casashore route serve` processes for tests: start them (one or several nodes on one redis-server), wait until
they listen, stop them cleanly, and read the centre's event log from the Redis stream."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    """Until something listens on the TCP port; fails with the log when the process died or after a minute."""
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            assert process.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, f"{log.name}: did not start"
            time.sleep(0.2)


@dataclass
class Nodes:
    processes: list[subprocess.Popen] = field(default_factory=list)
    https: list[str] = field(default_factory=list)
    sips: list[int] = field(default_factory=list)
    logs: list = field(default_factory=list)

    def stop(self, *others: subprocess.Popen) -> None:
        """SIGINT (a clean stop) to every node, SIGTERM to the others; kill what does not stop in 30 s."""
        everything = self.processes + list(others)
        for process in everything:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM if process in others else signal.SIGINT)
        for process in everything:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.logs:
            log.close()


def start_nodes(tmp_path: Path, config: Path, redis_port: int, count: int) -> Nodes:
    """``count`` nodes sharing ``config``'s centre on the redis-server, each with its own SIP and HTTP ports, all
    listening when this returns; their output goes to tmp_path/node<k>.log."""
    nodes = Nodes()
    for k in range(count):
        sip, http = free_port(socket.SOCK_DGRAM), f"127.0.0.1:{free_port(socket.SOCK_STREAM)}"
        log = (tmp_path / f"node{k}.log").open("w")
        nodes.logs.append(log)
        nodes.processes.append(subprocess.Popen(
            [sys.executable, "-m", "casashore", "route", "serve", "--config", str(config),
             "--sip", f"127.0.0.1:{sip}", "--http", http, "--redis", f"redis://127.0.0.1:{redis_port}",
             "--node", f"n{k}", "--no-records"], cwd=tmp_path, stdout=log, stderr=log,
            env=os.environ | {"NO_COLOR": "1"}))
        nodes.https.append(http)
        nodes.sips.append(sip)
    try:
        for k, http in enumerate(nodes.https):
            wait_for_port(int(http.split(":")[1]), nodes.processes[k], tmp_path / f"node{k}.log")
    except BaseException:
        nodes.stop()
        raise
    return nodes


def centre_stream(redis_port: int, centre: str = "centre") -> list[dict[str, str]]:
    """Every event of the centre, as the Redis stream holds them (t, e, s, d, n)."""
    import redis

    client = redis.Redis(port=redis_port, decode_responses=True)
    return [fields for _, fields in client.xrange(f"cs:{{{centre}}}:events")]


def as_events(stream: list[dict[str, str]]) -> list[tuple[float, str, str, str]]:
    return [(float(f["t"]), f["e"], f["s"], f["d"]) for f in stream]
