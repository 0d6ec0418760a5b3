"""A real PostgreSQL server for tests (Debian package postgresql): a throwaway cluster made with initdb in a
temporary directory, started on a free port, stopped and removed afterwards. As root, the server runs as the
``postgres`` user (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from router_nodes import free_port

BIN = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), None)
needs_postgres = pytest.mark.skipif(BIN is None, reason="PostgreSQL is not installed (Debian package postgresql; "
                                                        ".ci/run installs it)")


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextlib.contextmanager
def postgres_server():
    """Yield a DSN (``postgresql://postgres@127.0.0.1:PORT/postgres``, trust authentication) of a fresh cluster."""
    port = free_port()
    home = Path(tempfile.mkdtemp(prefix="casashore-pg-"))
    data = home / "data"
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    try:
        subprocess.run(_as_server_user([f"{BIN}/initdb", "-D", str(data), "-U", "postgres", "-A", "trust",
                                        "--no-sync"]), check=True, capture_output=True)
        subprocess.run(_as_server_user([f"{BIN}/pg_ctl", "-D", str(data), "-l", str(home / "log"), "-w", "start",
                                        "-o", f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"]),
                       check=True, capture_output=True)
        deadline = time.monotonic() + 30
        while subprocess.run([f"{BIN}/pg_isready", "-h", "127.0.0.1", "-p", str(port)],
                             capture_output=True).returncode != 0:
            assert time.monotonic() < deadline, (home / "log").read_text()[-2000:]
            time.sleep(0.2)
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_server_user([f"{BIN}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(home, ignore_errors=True)
