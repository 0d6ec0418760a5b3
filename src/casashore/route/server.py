"""``casashore route serve``: the router with its SIP front and HTTP API on one asyncio loop, records in the
workspace."""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import logging
import signal
import time
from pathlib import Path

import redis
import uvicorn

from casashore.route.adherence_monitor import AdherenceMonitor
from casashore.route.adherence_routes import attach
from casashore.route.centre_reads import CentreReads
from casashore.route.centre_records import CentreRecords, connect
from casashore.route.chats import ChatLimits
from casashore.route.chats_redis import RedisChats
from casashore.route.clock import SiteClock, started
from casashore.route.config import CenterConfig
from casashore.route.http import create_router_app
from casashore.route.intraday_desk import IntradayDesk
from casashore.route.media.rtpengine import RtpEngineMedia
from casashore.route.planned import RosterPlan
from casashore.route.records import Recorder
from casashore.route.service import RouterService
from casashore.route.sip.front import start_sip
from casashore.route.sip.registrar import Registrar
from casashore.route.sip.tls import server_context, start_tls
from casashore.route.state.registrations import Registrations
from casashore.route.state.shared_registrations import SharedRegistrations
from casashore.route.state.shared_router import default_node_name

MEMBERSHIP_S = 0.5
"""How often a node renews its heartbeat (which lives HEARTBEAT_S) and looks for dead nodes."""
PUBLISH_DELAY_S = 0.02
"""With the state in Redis, the changes a node makes within this delay are published together."""
RECORDS_EVERY_S = 1.0


def build_app(config: CenterConfig, *, sip: tuple[str, int] | None, workspace: Path | None,
              tick_s: float = 0.25, redis_url: str | None = None, node: str | None = None,
              records_url: str | None = None, roster: RosterPlan | None = None, clock: SiteClock | None = None):
    """The FastAPI app of a centre; the SIP front (when ``sip`` is given) starts and stops with it. With
    ``redis_url`` the routing state lives in Redis, shared with the other nodes of the same centre; with
    ``records_url`` (PostgreSQL, several nodes) the centre's records go there instead of the workspace; with
    ``roster`` the agents' adherence to it is followed (adherence_routes.py); ``clock``: the router's clock
    (route/clock.py; the wall clock by default), started now."""
    clock = started(clock or SiteClock())
    queue_zones = {q.name: (q.client_time_zone, q.country) for q in config.queues}
    channels = {q.name: q.channel for q in config.queues}
    if records_url is not None:  # before joining the centre: a wrong URL changes nothing in Redis
        records_db = connect(records_url)
    if redis_url is None:
        router = config.build_router(clock())
    else:
        router = config.join_shared_router(redis.Redis.from_url(redis_url, decode_responses=True),
                                           node or default_node_name(), clock())
    records = None
    if records_url is not None:
        records = CentreRecords(router, records_url, db=records_db, queue_zones=queue_zones, channels=channels)
        workspace = None
    recorder = Recorder(workspace, queue_zones, channels) if workspace is not None else None
    # Agents' phones (docs/routing.md, Agents' phones): bindings in this node's memory, or with Redis shared by
    # every node of the centre (any node rings a phone registered through any other); a nonce secret per start
    registrations = (Registrations(config.fixed_contacts()) if redis_url is None
                     else SharedRegistrations(router.client, router.prefix, config.fixed_contacts()))
    service = RouterService(router, time_zone=config.router.time_zone, window_s=config.router.window_s,
                            recorder=recorder, publish_delay_s=None if redis_url is None else PUBLISH_DELAY_S,
                            registrations=registrations, clock=clock)
    media = config.router.media
    tls_context = (server_context(config.router.tls_cert, config.router.tls_key)
                   if config.router.tls_listen is not None else None)
    registrar = Registrar(config.sip_accounts(), service.registrations, realm=config.router.sip_realm,
                          algorithms=tuple(config.router.sip_digest_algorithms), limits=config.registrar_limits())

    async def follow_other_nodes() -> None:
        """Publish the other nodes' events as soon as they reach the stream; keep this node's heartbeat (and
        look for dead nodes) once per MEMBERSHIP_S, not on every batch of events."""
        checked = 0.0
        while True:
            if time.monotonic() - checked >= MEMBERSHIP_S:
                checked = time.monotonic()
                router.heartbeat()
                router.reap_dead_nodes(service.now())
            if await asyncio.to_thread(router.wait_for_events, 200):
                service.publish_soon()
                await asyncio.sleep(PUBLISH_DELAY_S)  # under load: one look at the stream per publication

    async def write_records() -> None:
        """This node's share of the centre's records, once a second; a failed write is tried again later
        (its events stay pending in Redis)."""
        while True:
            await asyncio.sleep(RECORDS_EVERY_S)
            try:
                await asyncio.to_thread(records.step)
            except Exception:  # noqa: BLE001 - PostgreSQL or Redis away for a while: keep routing
                logging.getLogger(__name__).warning("records not written yet", exc_info=True)

    @contextlib.asynccontextmanager
    async def fronts():
        follower = asyncio.create_task(follow_other_nodes()) if redis_url is not None else None
        writer = asyncio.create_task(write_records()) if records is not None else None
        transport = listener = None
        app.state.media = None  # direct media; rtpengine when configured (the B2BUA anchors its calls there)
        if media.engine == "rtpengine":
            app.state.media = await RtpEngineMedia.connect(
                *media.ng_host_port(), srtp=media.srtp, record=media.record,
                recording_dir=Path(media.recording_dir) if media.recording_dir else None)
        if sip is not None:
            transport, app.state.sip = await start_sip(service, sip[0], sip[1], config.numbers(),
                                                       max_calls=config.router.max_sip_calls,
                                                       ring_refresh_s=config.router.ring_refresh_s,
                                                       registrar=registrar,
                                                       overload_delay_s=config.router.overload_delay_s,
                                                       overload_answers=config.overload_answers(),
                                                       media=app.state.media)
            tls = config.router.tls_host_port()
            if tls is not None:
                listener = await start_tls(app.state.sip, *tls, tls_context, max_connections=config.router.
                                           tls_max_connections, idle_s=config.router.tls_idle_s)
        try:
            yield
        finally:
            if follower is not None:
                follower.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await follower
                router.leave(service.now())  # this node's waiting callers are let go (480), not left ringing
                service.publish()
            if writer is not None:
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
                try:
                    await asyncio.to_thread(records.step)  # what this node took, written before it goes
                except Exception:  # noqa: BLE001 - left pending: a live node claims it
                    logging.getLogger(__name__).warning("records left to the other nodes", exc_info=True)
                records.close()
            if listener is not None:
                listener.close()
            if transport is not None:
                transport.close()
            if app.state.media is not None:
                app.state.media.close()

    held = None  # the records this router holds, opened for one read: adherence's replay, the intraday desk
    if records is not None:
        held = lambda: CentreReads(records_url, config.router.centre)  # noqa: E731
    elif recorder is not None:
        held = recorder.reader
    monitor = None
    if roster is not None:
        monitor = AdherenceMonitor(roster, config.router.adherence_grace_s)
        attach(service, monitor, records=held, keep=records or recorder)  # the day so far replayed from them
        if recorder is not None:
            recorder.store_roster(roster.rows())
    r = config.router
    limits = ChatLimits(r.chat_max_messages, r.chat_message_chars, r.chat_min_interval_s, r.chats_open_max,
                        r.chat_leave_grace_s, r.chat_idle_s)
    # chat transcripts where the routing state is: with Redis, any node serves any chat's widget and desk
    chats = RedisChats(router.client, router.prefix, limits) if redis_url is not None else None
    desk = None  # the reforecast and re-plan (intraday_desk.py), its cache on the router's clock
    if held is not None:
        desk = IntradayDesk(held, clock=service.now, no_history=no_history_words(workspace, records_url),
                            records_in="workspace" if records_url is None else "postgresql")
    app = create_router_app(service, config.principals(), tick_s=tick_s, fronts=fronts, adherence=monitor,
                            chat_limits=limits, chats=chats, intraday=desk, desk_leave_grace_s=r.desk_leave_grace_s)
    app.state.service = service
    app.state.intraday = desk  # its clock is the service's: a test checks a fast site clock expires its cache
    return app


def no_history_words(workspace: Path | None, records_url: str | None) -> str:
    """What a router whose records hold no call history before today lacks, and what to do, in words."""
    if records_url is not None:
        return ("the centre's PostgreSQL records hold no call history before today, which the reforecast and "
                "re-plan start from: they fill as the centre routes; meanwhile `casashore intraday replan "
                "--records URL --workspace W.duckdb` adds a history imported into a workspace")
    return (f"the router's workspace ({workspace}) holds no call history before today, which the reforecast and "
            f"re-plan start from: stop the router, import one (casashore import LOG --workspace {workspace}, or an "
            "interval report with --mapping) and start it again")


def run(config: CenterConfig, *, sip: tuple[str, int] | None, http: tuple[str, int], workspace: Path | None,
        redis_url: str | None = None, node: str | None = None, records_url: str | None = None,
        roster: RosterPlan | None = None, clock: SiteClock | None = None) -> None:
    config.check_exposure(http[0])  # before anything listens
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 PID` prints every thread's stack: what is it doing?
    app = build_app(config, sip=sip, workspace=workspace, redis_url=redis_url, node=node, records_url=records_url,
                    roster=roster, clock=clock)
    server = uvicorn.Server(uvicorn.Config(app, host=http[0], port=http[1], log_level="warning",
                                           ws_max_size=65_536))
    asyncio.run(server.serve())
