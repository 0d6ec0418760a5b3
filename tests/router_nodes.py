"""`casashore route serve` processes for tests: start them (one or several nodes on one redis-server), wait until
they listen, stop them cleanly, and read the centre's event log from the Redis stream.

Longer than the house's 400 lines on purpose: every real process a multi-node test or benchmark drives (the
nodes, Redis, Kamailio, SIPp, the agents' desktops) is started, watched and stopped here, in one place, so that
the tests and benchmarks that use them stay short and none of them leaves a process behind."""

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


# --- SIPp load through the nodes (the functional tests and benchmarks/bench_route_load.py share this) ---------

SCENARIO = Path(__file__).parent / "sipp" / "caller.xml"
DESKTOPS = Path(__file__).with_name("agent_desktops.py")
KAMAILIO_EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "kamailio"
SAFETY_S = 300  # a wall-clock limit that only stops a run that hangs; it never decides a result


def wait_until(condition, what: str, timeout_s: float = SAFETY_S, every_s: float = 0.1):
    """Poll ``condition`` until it returns something true (returned); a safety valve after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not (value := condition()):
        assert time.monotonic() < deadline, f"safety valve: {what} not within {timeout_s} s"
        time.sleep(every_s)
    return value


def sipp_command(target: str, directory: Path, rate: float, calls: int, *extra: str,
                 scenario: Path = SCENARIO) -> list[str]:
    """SIPp calling ``target`` (HOST:PORT) with tests/sipp/caller.xml (or ``scenario``), its logs in
    ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    return ["sipp", target, "-sf", str(scenario), "-s", "fr_bank", "-i", "127.0.0.1",
            "-p", str(free_port(socket.SOCK_DGRAM)), "-r", str(rate), "-m", str(calls), "-l", "6000",
            "-buff_size", "4194304", "-nostdin", "-trace_counts", "-trace_stat", "-trace_err", "-fd", "1",
            "-timeout", str(SAFETY_S), "-timeout_error", *extra]


def kamailio_config(directory: Path, port: int, nodes: list[int]) -> Path:
    """examples/kamailio/kamailio.cfg on the given ports."""
    listing = directory / "dispatcher.list"
    listing.write_text("".join(f"1 sip:127.0.0.1:{p}\n" for p in nodes))
    config = directory / "kamailio.cfg"
    config.write_text((KAMAILIO_EXAMPLE / "kamailio.cfg").read_text()
                      .replace("/etc/kamailio/dispatcher.list", str(listing))
                      .replace("udp:127.0.0.1:5060", f"udp:127.0.0.1:{port}"))
    return config


def start_kamailio(directory: Path, nodes: list[int], memory_mb: int = 512) -> tuple[subprocess.Popen, int]:
    """Kamailio with the example configuration in front of ``nodes`` (SIP ports); returns once an OPTIONS sent
    to it is relayed to a node and answered. Its output goes to directory/kamailio.log."""
    import shutil

    kamailio = shutil.which("kamailio") or "/usr/sbin/kamailio"
    port = free_port(socket.SOCK_DGRAM)
    log = (directory / "kamailio.log").open("w")
    proxy = subprocess.Popen([kamailio, "-f", str(kamailio_config(directory, port, nodes)), "-DD", "-E",
                              "-m", str(memory_mb), "-P", str(directory / "kamailio.pid"), "-Y", str(directory)],
                             stdout=log, stderr=log)
    log.close()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        probe.settimeout(0.5)
        here = probe.getsockname()[1]
        attempt = iter(range(1 << 30))

        def answered() -> bool:
            assert proxy.poll() is None, (directory / "kamailio.log").read_text()[-2000:]
            k = next(attempt)
            probe.sendto((f"OPTIONS sip:probe@127.0.0.1:{port} SIP/2.0\r\n"
                          f"Via: SIP/2.0/UDP 127.0.0.1:{here};branch=z9hG4bK-probe-{k}\r\nMax-Forwards: 70\r\n"
                          f"From: <sip:probe@127.0.0.1>;tag=p{k}\r\nTo: <sip:probe@127.0.0.1>\r\n"
                          f"Call-ID: probe-{k}@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode(),
                         ("127.0.0.1", port))
            try:
                while True:
                    if probe.recv(65536).startswith(b"SIP/2.0 200"):
                        return True
            except OSError:
                return False

        wait_until(answered, "Kamailio relaying an OPTIONS to a node", every_s=0)
    return proxy, port


def kamailio_problems(log: Path) -> list[str]:
    """Kamailio's log lines at ERROR level or worse (CRITICAL, ALERT, BUG, out of memory) while it ran: once it
    says goodbye on SIGTERM, its TCP supervisor reports its children's sockets closing as CRITICAL (receive_fd():
    EOF), which is its shutdown, not a fault."""
    bad = (" ERROR:", " CRITICAL:", " ALERT:", " BUG:", "no more pkg memory", "no more shm memory", "out of memory")
    running = log.read_text(errors="replace").split("Thank you for flying kamailio", 1)[0]
    return [line for line in running.splitlines() if any(b in line for b in bad)]


class Desktops:
    """tests/agent_desktops.py in a process of its own: every agent logged in on ``start``; ``hold`` keeps the
    offers they get unanswered, ``release`` accepts them and goes on; ``finish`` returns the tally."""

    def __init__(self, directory: Path, nodes: list[str], tokens: dict[str, str]):
        import json

        spec = directory / "agents.json"
        spec.write_text(json.dumps({"nodes": nodes, "tokens": tokens}))
        self.log_path = directory / "agents.log"
        log = self.log_path.open("w")
        self.process = subprocess.Popen([sys.executable, str(DESKTOPS), str(spec)], stdout=subprocess.PIPE,
                                        stderr=log, text=True)
        log.close()
        line = self.process.stdout.readline()  # logging in hundreds of agents: no clock, the process says
        assert line == "ready\n", self.log_path.read_text()[-2000:]

    def hold(self) -> None:
        self.process.send_signal(signal.SIGUSR1)

    def release(self) -> None:
        self.process.send_signal(signal.SIGUSR2)

    def finish(self) -> dict[str, int]:
        import json

        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=SAFETY_S)
        assert self.process.returncode == 0, self.log_path.read_text()[-2000:]
        return json.loads(out.splitlines()[-1])

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class CpuSampler:
    """CPU seconds (user + system) used by each role's processes and their descendants, read from /proc every
    half second in a thread; a process that exits or is killed keeps its last reading."""

    def __init__(self):
        import threading

        self.roles: dict[int, str] = {}
        self.seen: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")
        self.started = time.monotonic()
        self._thread.start()

    def watch(self, pid: int, role: str) -> None:
        self.roles[pid] = role

    def sample(self) -> None:
        parents: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                fields = open(f"/proc/{entry.name}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid = int(entry.name)
            parents[pid] = int(fields[1])
            cpu[pid] = (int(fields[11]) + int(fields[12])) / self._tick
        for pid, seconds in cpu.items():
            ancestor, role = pid, None
            while ancestor > 1 and role is None:
                role = self.roles.get(ancestor)
                ancestor = parents.get(ancestor, 0)
            if role is not None:
                self.seen[pid] = (role, seconds)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def stop(self) -> dict[str, float]:
        self.sample()
        self._stop.set()
        self._thread.join()
        totals: dict[str, float] = {}
        for role, seconds in self.seen.values():
            totals[role] = totals.get(role, 0.0) + seconds
        return totals


def write_centre(path: Path, agents: int, **router: float) -> dict[str, str]:
    """One French queue, agents at proficiency 1-3 (relaxed after 1 s), one token each; ``router`` adds or
    overrides [router] and queue settings (offer_timeout_s, ring_refresh_s, relax_after_s, max_waiting …)."""
    import random

    rng = random.Random(7)
    tokens = {f"a{i:03d}": f"agent-token-{i:03d}-{rng.getrandbits(64):016x}" for i in range(agents)}
    settings = {"offer_timeout_s": 10, "wrap_up_s": 0.2, "max_sip_calls": 3000} | {
        k: v for k, v in router.items() if k not in ("relax_after_s", "max_waiting")}
    queue = {"relax_after_s": router.get("relax_after_s", 1), "max_waiting": router.get("max_waiting", 150)}
    lines = ["[router]", *(f"{k} = {v}" for k, v in settings.items()), "",
             "[[queues]]", 'name = "fr_bank"', 'skill = "fr"', *(f"{k} = {v}" for k, v in queue.items()),
             "target_s = 1", "aht_s = 1", ""]
    for agent, token in tokens.items():
        lines += ["[[agents]]", f'id = "{agent}"', f"skills = {{ fr = {rng.randint(1, 3)} }}", f'token = "{token}"', ""]
    lines += ["[tokens]", 'supervisor = ["supervisor-token-0123456789"]']
    path.write_text("\n".join(lines))
    return tokens


def sipp_counts(directory: Path) -> dict[str, int]:
    """The last line of SIPp's per-message counts (-trace_counts)."""
    import csv

    path = next(directory.glob("caller_*_counts.csv"))
    rows = list(csv.reader(path.open(), delimiter=";"))
    pairs = zip(rows[0][2:], rows[-1][2:], strict=False)  # the header ends with a ';'
    return {name: int(value) for name, value in pairs if name and value.isdigit()}


def sipp_stats(directory: Path) -> dict[str, str]:
    """The last line of SIPp's statistics (-trace_stat)."""
    import csv

    path = next(p for p in directory.glob("caller_*_.csv"))
    rows = list(csv.reader(path.open(), delimiter=";"))
    return dict(zip(rows[0], rows[-1], strict=False))


def sipp_failures(directory: Path) -> list[str]:
    """What SIPp said of each failed call (its -trace_err log), for an assertion message."""
    log = next(directory.glob("caller_*_errors.log"), None)
    if log is None:
        return []
    return [line.split(": ", 1)[-1][:160] for line in log.read_text(errors="replace").splitlines()
            if "Aborting" in line or "failed" in line.lower()]


class StreamFollower:
    """Reads the centre's stream as it grows (only what is new each time): calls per node and their fate."""

    def __init__(self, redis_port: int, centre: str = "centre"):
        import redis

        self.client = redis.Redis(port=redis_port, decode_responses=True)
        self.key, self.last = f"cs:{{{centre}}}:events", "-"
        self.node_of: dict[str, str] = {}
        self.settled: set[str] = set()  # answered, rejected or ended
        self.answered: dict[str, int] = {}

    def poll(self) -> StreamFollower:
        start = self.last if self.last == "-" else f"({self.last}"
        for entry, f in self.client.xrange(self.key, start, "+"):
            self.last = entry
            if f["e"] == "arrived":
                self.node_of[f["s"]] = f["n"]
            elif f["e"] in ("answered", "rejected", "ended"):
                self.settled.add(f["s"])
                if f["e"] == "answered" and f["s"] in self.node_of:
                    node = self.node_of[f["s"]]
                    self.answered[node] = self.answered.get(node, 0) + 1
        return self

    def arrived(self, node: str) -> int:
        return sum(1 for n in self.node_of.values() if n == node)

    def in_flight(self, node: str) -> set[str]:
        """Calls that arrived on ``node`` and are neither answered nor refused nor ended."""
        return {c for c, n in self.node_of.items() if n == node and c not in self.settled}


def run_through_kamailio(directory: Path, *, rate: float, calls: int, agents: int, nodes: int = 3,
                         kill_after_answers: int | None = None, in_flight_at_kill: int = 0,
                         kill_after_placed: int | None = None, memory_mb: int = 512,
                         scenario: Path = SCENARIO, **router: float) -> dict:
    """SIPp at ``rate`` calls/s (``calls`` in all) into Kamailio in front of ``nodes`` router nodes on one
    redis-server, ``agents`` agents answering from tests/agent_desktops.py. With ``kill_after_answers``, the last
    node is SIGKILLed once it has answered that many calls — after the agents held their offers until it had
    ``in_flight_at_kill`` calls in flight, released at once after the kill; with ``kill_after_placed`` (the
    benchmark: a machine short of CPU may answer few calls), once SIPp has placed that many calls. Returns the
    centre's stream, SIPp's directory, the agents' tally, the calls in flight on the node when it was killed,
    the kill's time, CPU seconds per role and the wall time. ``router``: more centre settings (write_centre)."""
    from redis_server import redis_server

    centre = directory / "center.toml"  # behind a proxy: ringing refreshed each second (see kamailio.cfg)
    tokens = write_centre(centre, agents, **({"ring_refresh_s": 1, "relax_after_s": 0.3, "max_waiting": 1000,
                                              "offer_timeout_s": 60 if in_flight_at_kill else 10} | router))
    cpu = CpuSampler()
    result: dict = {"killed_at": None, "in_flight": set(), "sipp": directory / "sipp"}
    with redis_server(directory) as redis_port:
        cpu.watch(redis_pid(redis_port), "redis")
        centre_nodes = start_nodes(directory, centre, redis_port, nodes)
        for k, process in enumerate(centre_nodes.processes):
            cpu.watch(process.pid, f"node n{k}")
        proxy = desktops = sipp = None
        try:
            proxy, proxy_port = start_kamailio(directory, centre_nodes.sips, memory_mb)
            cpu.watch(proxy.pid, "kamailio")
            desktops = Desktops(directory, centre_nodes.https, tokens)
            cpu.watch(desktops.process.pid, "agents")
            follower = StreamFollower(redis_port)
            started = time.monotonic()
            sipp_log = (directory / "sipp.log").open("w")
            sipp = subprocess.Popen(sipp_command(f"127.0.0.1:{proxy_port}", result["sipp"], rate, calls,
                                                 scenario=scenario),
                                    cwd=result["sipp"], stdout=subprocess.DEVNULL, stderr=sipp_log)
            sipp_log.close()
            cpu.watch(sipp.pid, "sipp")
            victim = f"n{nodes - 1}"
            if kill_after_placed is not None:
                wait_until(lambda: sipp_placed(result["sipp"]) >= kill_after_placed or sipp.poll() is not None,
                           f"SIPp placing {kill_after_placed} calls")
                assert sipp_placed(result["sipp"]) >= kill_after_placed, "SIPp ended before the kill"
                kill_after_answers = 0
            if kill_after_answers is not None:
                wait_until(lambda: follower.poll().answered.get(victim, 0) >= kill_after_answers
                           or sipp.poll() is not None, f"{victim} answering {kill_after_answers} calls")
                assert follower.answered.get(victim, 0) >= kill_after_answers, "SIPp ended before the kill"
                if in_flight_at_kill:
                    desktops.hold()
                    wait_until(lambda: len(follower.poll().in_flight(victim)) >= in_flight_at_kill,
                               f"{in_flight_at_kill} calls in flight on {victim}")
                cpu.sample()  # its last reading
                centre_nodes.processes[-1].send_signal(signal.SIGKILL)  # no goodbye, calls in every state on it
                result["killed_at"] = time.time()
                desktops.release()
                result["in_flight"] = follower.poll().in_flight(victim)
            wait_until(lambda: sipp.poll() is not None, "SIPp's last call", every_s=0.2)
            assert sipp.returncode in (0, 1), (directory / "sipp.log").read_text()[-500:]
            result["wall_s"] = time.monotonic() - started
            result["tally"] = desktops.finish()
        finally:
            for process in (sipp, desktops and desktops.process):
                if process is not None and process.poll() is None:
                    process.kill()
                    process.wait()
            result["cpu_s"] = cpu.stop()
            centre_nodes.stop(*(p for p in (proxy,) if p is not None))
        result["stream"] = centre_stream(redis_port)
    return result


def sipp_placed(directory: Path) -> int:
    """Calls SIPp has placed so far, from its statistics file (rewritten each second with -fd 1)."""
    try:
        return int(sipp_stats(directory).get("OutgoingCall(C)", 0))
    except (StopIteration, ValueError, IndexError):
        return 0


def redis_pid(port: int) -> int:
    import redis

    return int(redis.Redis(port=port).info("server")["process_id"])


def run_direct_nodes(directory: Path, *, rate: float, calls_per_node: int, agents: int, nodes: int = 3,
                     kill_after_arrivals: int | None = None) -> dict:
    """One SIPp per node (as a dispatcher in front would spread the calls) at ``rate`` calls/s in all, nodes on
    one redis-server, ``agents`` agents answering from tests/agent_desktops.py. With ``kill_after_arrivals``,
    the last node is SIGKILLed once that many calls have arrived on it, and its SIPp told to place no more calls
    (SIGUSR1), as a dispatcher would stop sending it any. Returns the centre's stream, SIPp's directories, the
    agents' tally, the kill's time, CPU seconds per role and the wall time."""
    from redis_server import redis_server

    centre = directory / "center.toml"
    tokens = write_centre(centre, agents, offer_timeout_s=10)
    cpu = CpuSampler()
    result: dict = {"killed_at": None, "sipp": [directory / f"sipp{k}" for k in range(nodes)]}
    with redis_server(directory) as redis_port:
        cpu.watch(redis_pid(redis_port), "redis")
        centre_nodes = start_nodes(directory, centre, redis_port, nodes)
        for k, process in enumerate(centre_nodes.processes):
            cpu.watch(process.pid, f"node n{k}")
        desktops, runs = None, []
        try:
            desktops = Desktops(directory, centre_nodes.https, tokens)
            cpu.watch(desktops.process.pid, "agents")
            follower = StreamFollower(redis_port)
            started = time.monotonic()
            for k, sip in enumerate(centre_nodes.sips):
                dead_end = ["-recv_timeout", "8000"] if kill_after_arrivals is not None and k == nodes - 1 else []
                log = (directory / f"sipp{k}.log").open("w")
                runs.append(subprocess.Popen(
                    sipp_command(f"127.0.0.1:{sip}", result["sipp"][k], rate / nodes, calls_per_node, *dead_end),
                    cwd=result["sipp"][k], stdout=subprocess.DEVNULL, stderr=log))
                log.close()
                cpu.watch(runs[-1].pid, "sipp")
            if kill_after_arrivals is not None:
                victim = f"n{nodes - 1}"
                wait_until(lambda: follower.poll().arrived(victim) >= kill_after_arrivals
                           or runs[-1].poll() is not None, f"{kill_after_arrivals} calls arriving on {victim}")
                assert follower.arrived(victim) >= kill_after_arrivals, "SIPp ended before the kill"
                cpu.sample()
                centre_nodes.processes[-1].send_signal(signal.SIGKILL)  # no goodbye: its callers' legs die with it
                result["killed_at"] = time.time()
                runs[-1].send_signal(signal.SIGUSR1)  # the dispatcher stops sending it calls
            wait_until(lambda: all(run.poll() is not None for run in runs), "SIPp's last calls", every_s=0.2)
            for k, run in enumerate(runs):
                assert run.returncode in (0, 1), (directory / f"sipp{k}.log").read_text()[-500:]
            result["wall_s"] = time.monotonic() - started
            result["tally"] = desktops.finish()
        finally:
            for process in (*runs, desktops and desktops.process):
                if process is not None and process.poll() is None:
                    process.kill()
                    process.wait()
            result["cpu_s"] = cpu.stop()
            centre_nodes.stop()
        result["stream"] = centre_stream(redis_port)
    return result
