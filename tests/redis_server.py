"""A real redis-server for tests, started on a free port in a temporary directory and stopped afterwards."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from router_nodes import free_port

REDIS = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed (Debian package "
                                                       "redis-server; .ci/run installs it)")


@contextlib.contextmanager
def redis_server(directory: Path, *extra: str, port: int | None = None, kill: bool = False):
    """Yield the port of a redis-server on ``directory`` (AOF everysec unless ``extra`` says otherwise);
    stopped with SIGTERM, or SIGKILL when ``kill`` (a crash)."""
    if port is None:
        port = free_port()
    process = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
                                "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        process.kill() if kill else process.terminate()
        process.wait(10)
