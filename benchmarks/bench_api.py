"""The REST API's staffing calculator under load, and the example plan end to end.

    python benchmarks/bench_api.py [--seconds 10] [--connections 8]

The server (`casashore serve`, one uvicorn worker) is pinned to core 0 with taskset; the load generator, a lean
asyncio HTTP/1.1 client with keep-alive connections, runs on core 1 and sends POST /api/staff requests (a
different call volume each time) for the given seconds. Latency is measured per request by the client, on
loopback. Then `casashore plan examples/casablanca.toml` runs in a fresh workspace, timed end to end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def connection(port: int, until: float, latencies: list[float], errors: list[str], seed: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    rng = np.random.default_rng(seed)
    while time.perf_counter() < until:
        body = json.dumps({"calls": float(rng.integers(1, 2000)), "interval_min": 30, "aht_s": 180,
                           "target_s": 20, "service_level": 0.8}).encode()
        request = (b"POST /api/staff HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        started = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length"))
        payload = await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        if not head.startswith(b"HTTP/1.1 200") or b'"agents"' not in payload:
            errors.append(head.split(b"\r\n")[0].decode())
    writer.close()


async def load(port: int, seconds: float, connections: int) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(connection(port, until, latencies, errors, i) for i in range(connections)))
    return latencies, errors, time.perf_counter() - started


def api_benchmark(seconds: float, connections: int) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as workspace:
        server = subprocess.Popen(["taskset", "-c", "0", sys.executable, "-m", "casashore",
                                   "serve", "--port", str(port), "--workspace-dir", workspace])
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            os.sched_setaffinity(0, {1})
            asyncio.run(load(port, 2.0, connections))  # warm-up: imports, numba kernels
            latencies, errors, elapsed = asyncio.run(load(port, seconds, connections))
        finally:
            server.terminate()
            server.wait(10)
    ms = np.array(latencies) * 1000
    print("| requests | errors | requests/s | p50 ms | p99 ms | max ms |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| {len(ms):,} | {len(errors)} | {len(ms) / elapsed:,.0f} | {np.percentile(ms, 50):.2f} | "
          f"{np.percentile(ms, 99):.2f} | {ms.max():.1f} |")


def plan_benchmark() -> None:
    with tempfile.TemporaryDirectory() as workspace:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from casashore.interfaces.cli.app import app; app()", "plan",
                        str(ROOT / "examples" / "casablanca.toml"), "--workspace", f"{workspace}/ws.duckdb",
                        "--report", f"{workspace}/plan.html", "--json"], check=True, capture_output=True)
        first = time.perf_counter() - started
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from casashore.interfaces.cli.app import app; app()", "plan",
                        str(ROOT / "examples" / "casablanca.toml"), "--workspace", f"{workspace}/ws.duckdb",
                        "--report", f"{workspace}/plan.html", "--json"], check=True, capture_output=True)
        again = time.perf_counter() - started
    print(f"\nExample plan end to end (fresh workspace, new process): {first:.1f} s; again with every step read "
          f"back from the workspace: {again:.1f} s.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    api_benchmark(args.seconds, args.connections)
    plan_benchmark()


if __name__ == "__main__":
    main()
