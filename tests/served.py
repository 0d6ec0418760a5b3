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
    port = free_port()
    where = f"127.0.0.1:{port}" if port_flag == "--http" else str(port)
    process = subprocess.Popen([sys.executable, "-m", "casashore", *args, port_flag, where], cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_S
    try:
        while True:
            try:
                urllib.request.urlopen(url + ready, timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"casashore {args[0]} did not start: " + process.stderr.read().decode()[-500:])
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(10)
