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

import uvicorn

from casashore.route.config import CenterConfig
from casashore.route.http import create_router_app
from casashore.route.records import Recorder
from casashore.route.service import RouterService
from casashore.route.sip_front import start_sip


def build_app(config: CenterConfig, *, sip: tuple[str, int] | None, workspace: Path | None,
              tick_s: float = 0.25):
    """The FastAPI app of a centre; the SIP front (when ``sip`` is given) starts and stops with it."""
    queue_zones = {q.name: (q.client_time_zone, q.country) for q in config.queues}
    recorder = Recorder(workspace, queue_zones) if workspace is not None else None
    service = RouterService(config.build_router(time.time()), time_zone=config.router.time_zone,
                            window_s=config.router.window_s, recorder=recorder)

    @contextlib.asynccontextmanager
    async def sip_front():
        if sip is None:
            yield
            return
        transport, front = await start_sip(service, sip[0], sip[1], config.numbers(),
                                           max_calls=config.router.max_sip_calls)
        app.state.sip = front
        try:
            yield
        finally:
            transport.close()

    app = create_router_app(service, config.principals(), tick_s=tick_s, fronts=sip_front)
    app.state.service = service
    return app


def run(config: CenterConfig, *, sip: tuple[str, int] | None, http: tuple[str, int], workspace: Path | None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 PID` prints every thread's stack: what is it doing?
    app = build_app(config, sip=sip, workspace=workspace)
    server = uvicorn.Server(uvicorn.Config(app, host=http[0], port=http[1], log_level="warning",
                                           ws_max_size=65_536))
    asyncio.run(server.serve())
