"""What `casashore route serve` and `route drive` do before and around the router: the centre file and the
addresses checked before anything listens; a simulation scenario played through the router's decisions, next
to the simulator's results."""

from __future__ import annotations

import asyncio
import typing
from dataclasses import dataclass
from pathlib import Path

from casashore.domain.units import duration_s
from casashore.errors import Refused, UserError
from casashore.request_guard import LOOPBACK_HOSTS
from casashore.route.centre_records import without_password
from casashore.route.clock import SiteClock, clock_of
from casashore.route.config import CenterConfig, MediaSettings, load_center
from casashore.route.media.rtpengine import MediaError, RtpEngineMedia
from casashore.route.planned import RosterPlan
from casashore.route.server import run
from casashore.route.sip.tls import server_context
from casashore.route.state.core import Selection
from casashore.usecases.adherence import centre_roster

SELECTIONS = typing.get_args(Selection)


def address(field: str, value: str) -> tuple[str, int]:
    """HOST:PORT as (host, port)."""
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise UserError(field, value, "HOST:PORT such as 127.0.0.1:5060")
    return host, int(port)


@dataclass(frozen=True)
class RouterSetup:
    center: CenterConfig
    sip: tuple[str, int] | None
    http: tuple[str, int]
    workspace: Path | None
    """Where calls and events are recorded; None with --no-records or PostgreSQL records."""
    records_to: str | None
    """Where the records go, as shown (a PostgreSQL URL without its password, or the workspace)."""
    roster: RosterPlan | None = None
    """The roster whose adherence the router follows (``--roster``)."""
    clock: SiteClock = SiteClock()
    """The router's clock: the wall clock, or a site clock (``--clock-start``, ``--clock-speed``)."""


def router_setup(config: Path, *, sip: str | None, http: str, workspace: Path | None, no_records: bool,
                 redis_url: str | None, records: str | None, roster: Path | None = None,
                 clock_start: str | None = None, clock_speed: str | None = None) -> RouterSetup:
    """The centre and the addresses, checked before anything listens or is written."""
    sip_address = address("sip", sip) if sip is not None else None
    http_address = address("http", http)
    center = load_center(config)
    clock = clock_of(clock_start, clock_speed, center.router.time_zone)
    check_clock(clock, clock_start, clock_speed, sip=sip, redis_url=redis_url)
    center.check_exposure(http_address[0])  # demo or short tokens off loopback: refused before any banner
    if http_address[0] not in LOOPBACK_HOSTS and not center.tokens.supervisor:
        raise Refused("http", http, f"{http!r} is reachable from other machines; expected a [tokens] supervisor "
                                    f"in {config} first")
    if redis_url is not None and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise UserError("redis", redis_url, "a URL such as redis://127.0.0.1:6379")
    if records is not None and redis_url is None:
        raise UserError("records", without_password(records), "--redis too (PostgreSQL records are for a centre "
                                                              "of several nodes)")
    if records is not None and not records.startswith(("postgresql://", "postgres://")):
        raise UserError("records", without_password(records),
                        "a URL such as postgresql://casashore@127.0.0.1/casashore")
    if center.router.tls_listen is not None:
        if sip_address is None:
            raise UserError("router.tls_listen", center.router.tls_listen, "--sip too (TLS feeds the SIP front)")
        server_context(center.router.tls_cert, center.router.tls_key)  # a certificate that cannot be read: refused
    if center.router.media.engine == "rtpengine":
        check_media_engine(center.router.media)  # not answering: refused before anything listens
    records_to = without_password(records) if records is not None else None if no_records else str(workspace)
    plan = centre_roster(center, roster) if roster is not None else None
    return RouterSetup(center, sip_address, http_address, None if no_records else workspace, records_to, plan,
                       clock)


def check_clock(clock: SiteClock, start: str | None, speed: str | None, *, sip: str | None,
                redis_url: str | None) -> None:
    """A site clock is the training and replay mode of one HTTP-only node: faster than real time, the SIP
    front's timers (retransmissions, ringing, registrations) would not follow it; and nodes sharing Redis share
    the wall clock (heartbeats, the other nodes' events)."""
    if clock.speed != 1.0 and sip is not None:
        raise Refused("clock_speed", speed, f"--clock-speed {speed} runs the site clock faster than the SIP "
                      "timers and phones ring (real time); use it without --sip (agents and calls through the "
                      "API), or --clock-start alone at real speed")
    if clock.replay and redis_url is not None:
        field, value = ("clock_start", start) if start is not None else ("clock_speed", speed)
        raise Refused(field, value, "a site clock is for one node: nodes sharing --redis keep the wall clock")


def check_media_engine(media: MediaSettings) -> None:
    """rtpengine answers a ping on its ng address, or the router does not start (a UserError naming it)."""
    async def ping() -> None:
        (await RtpEngineMedia.connect(*media.ng_host_port())).close()

    try:
        asyncio.run(ping())
    except MediaError as exc:
        raise UserError("router.media.ng_address", media.ng_address, f"a running rtpengine answering its ng "
                        f"protocol there ({exc})") from None


def serve_router(setup: RouterSetup, *, redis_url: str | None, node: str | None, records: str | None) -> None:
    """Route live calls until stopped."""
    run(setup.center, sip=setup.sip, http=setup.http, workspace=setup.workspace, redis_url=redis_url, node=node,
        records_url=records, roster=setup.roster, clock=setup.clock)


def drive_scenario(scenario: Path, *, replications: str | None, seed: str | None, ring: str,
                   selection: str) -> dict:
    """The scenario's calls through the router's rules and through the simulator: per queue, both measures."""
    # the simulator (numba, scipy): imported by `route drive` only, so `route serve` starts without it
    from casashore.route.loadgen import drive
    from casashore.simulate.inputs import load_scenario
    from casashore.simulate.scenario import simulate_scenario
    from casashore.usecases.simulation import run_options

    runs = run_options(replications, seed)
    ring_s = duration_s("ring", ring, allow_zero=True)
    if selection not in SELECTIONS:
        raise UserError("selection", selection, ", ".join(SELECTIONS[:-1]) + " or " + SELECTIONS[-1])
    model = load_scenario(scenario)
    routed = drive(model, ring_s=ring_s, selection=selection, **runs)  # type: ignore[arg-type]
    _, simulated = simulate_scenario(model, **runs)
    # The router's rows name their measures as the simulator's JSON does: each queue's JSON gives the same keys.
    by_queue = {q.queue: q.to_json() for q in simulated.centre.queues}
    rows = [{"queue": r["queue"], "router": {k: v for k, v in r.items() if k != "queue"},
             "simulator": {k: by_queue[r["queue"]].get(k) for k in r if k != "queue"}} for r in routed["queues"]]
    return {"replications": routed["replications"], "calls_routed": routed["calls_routed"], "queues": rows}
