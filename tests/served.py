"""A real casashore server for a test: started as its own process, yielded as its URL once it answers, stopped at
the end. One helper for the dashboard's and the router's browser tests, so each waits the same way."""

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from router_nodes import free_port

START_S = 180.0
"""A safety valve, not a measure: a busy 2-core machine has taken over a minute to start a server."""


@contextmanager
def served(args: list[str], ready: str, cwd: Path | None = None, port_flag: str = "--http") -> Iterator[str]:
    """``casashore ARGS --http 127.0.0.1:PORT`` (or ``--port PORT`` with ``port_flag="--port"``), waited for until
    GET ``ready`` answers; the test fails with the server's last words when it does not start in START_S."""
    with launched(args, cwd, port_flag) as server:
        yield server.ready(ready)


class Launched:
    """A server process started and not yet waited for: ``ready`` waits until it answers (its state), so that a
    test can start something else (a browser) while the server imports."""

    def __init__(self, args: list[str], process: subprocess.Popen, url: str):
        self.args, self.process, self.url = args, process, url

    def ready(self, path: str) -> str:
        """The server's URL once GET ``path`` answers; the test fails with its last words if it stops, and after
        START_S (a safety valve, not a measure)."""
        deadline = time.monotonic() + START_S
        while True:
            try:
                urllib.request.urlopen(self.url + path, timeout=2)
                return self.url
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    pytest.fail(f"casashore {self.args[0]} did not start: "
                                + self.process.stderr.read().decode()[-500:])
                time.sleep(0.2)


@contextmanager
def launched(args: list[str], cwd: Path | None = None, port_flag: str = "--http") -> Iterator[Launched]:
    """``casashore ARGS`` on a free port, started and not waited for (``Launched.ready``); stopped at the end."""
    port = free_port()
    where = f"127.0.0.1:{port}" if port_flag == "--http" else str(port)
    process = subprocess.Popen([sys.executable, "-m", "casashore", *args, port_flag, where], cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield Launched(args, process, f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(10)
