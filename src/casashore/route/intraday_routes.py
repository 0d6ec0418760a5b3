"""The router's own intraday API (a supervisor's): GET /api/forecast/intraday and GET /api/intraday/replan, the
answers of `casashore serve`'s routes of the same names (the same typed models, domain/intraday_answers.py),
computed from the router's records by the IntradayDesk (intraday_desk.py) and, for the re-plan, over the roster
the router follows (``--roster``) with who is at work as the router sees it (presence.py, from the adherence
monitor's statuses, judged on the event loop: cheap, and part of the question, so a change of who is at work is a
new answer). The site's clock is the centre's (``[router] time_zone``); ``as_of`` left out is now, and then the
last answer serves for the desk's cache time."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, HTTPException, Query
from pydantic import BaseModel

from casashore.domain.as_of import as_of_time
from casashore.domain.base import AS_OF_PATTERN
from casashore.domain.intraday_answers import IntradayResponse, QueueName, ReplanResponse
from casashore.domain.units import interval_min as minutes_of
from casashore.errors import UserError
from casashore.forecast.call_records import NoCalls
from casashore.intraday.question import MAX_REPLICATIONS, asked
from casashore.route.adherence_monitor import AdherenceMonitor
from casashore.route.auth import Principal
from casashore.route.intraday_desk import RETRY_AFTER_S, Busy, IntradayDesk
from casashore.route.presence import RouterPresence

AsOf = Annotated[str | None, Query(max_length=40, pattern=AS_OF_PATTERN,
                                   description="2026-03-02T12:00 (the site's clock) or 2026-03-02T12:00+01:00 (an "
                                               "instant) [default: now]")]
Interval = Annotated[str, Query(max_length=8, description="15m, 30m, 1h")]
AgentName = Annotated[str, Query(min_length=1, max_length=64)]


class IntradayOffer(BaseModel):
    reforecast: bool
    """GET /api/forecast/intraday answers this caller."""
    replan: bool
    """GET /api/intraday/replan answers this caller."""
    why: str | None
    """Why the re-plan is not offered, in words (what is missing and what to do)."""
    missing: Literal["records", "history", "roster"] | None
    """To a supervisor: what the router lacks before it can answer — records (``--no-records``), a call history
    before today in its records (import one), a roster (``--roster``: the re-plan only); null when nothing is, and
    to other callers (whom no setting of the router would answer). The wallboard words it."""
    records: Literal["workspace", "postgresql"] | None
    """To a supervisor: where the router's records are (its workspace, or the centre's PostgreSQL records), which
    says what to do when the history is missing; null without records, and to other callers."""


def add_router_intraday_routes(app: FastAPI, desk: IntradayDesk | None, monitor: AdherenceMonitor | None,
                               site_zone: str, now: Callable[[], float], principal: Callable[..., Principal],
                               responses: Callable[..., dict]) -> None:
    """The routes; ``desk`` None: the router records nothing (404); ``monitor`` None (no roster): no re-plan
    (404)."""
    Caller = Annotated[Principal, Depends(principal)]
    roster = monitor.roster if monitor is not None else None
    presence = RouterPresence(monitor) if monitor is not None else None

    def supervisor_with_records(who: Principal) -> IntradayDesk:
        if who.role != "supervisor":
            raise HTTPException(403, "only a supervisor reads the intraday reforecast and re-plan")
        if desk is None:
            raise HTTPException(404, "the router records nothing (--no-records): no records to reforecast from")
        return desk

    async def with_history(working: IntradayDesk) -> None:
        """404 naming what is missing and what to do when the records hold no history before today (checked
        before the forecasting libraries are imported for nothing)."""
        if not await working.has_history():
            raise HTTPException(404, working.no_history)

    def at_of(as_of: str | None, clock: str) -> tuple[datetime, str]:
        """The as-of time and as shown: the one asked (naive: on ``clock``), or now on the site's clock."""
        if as_of is not None:
            return as_of_time(as_of, clock), as_of
        at = datetime.fromtimestamp(now() // 60 * 60, ZoneInfo(site_zone))
        return at, at.isoformat(timespec="minutes")

    async def answered(working: IntradayDesk, kind: str, question: tuple, compute) -> dict:
        try:
            return await working.answer(kind, question, compute)
        except Busy:
            raise HTTPException(503, "the router is computing another intraday answer; ask again shortly",
                                headers={"Retry-After": str(RETRY_AFTER_S)}) from None
        except NoCalls:
            raise HTTPException(404, working.no_history) from None
        except UserError as exc:
            raise HTTPException(400, str(exc)) from None

    @app.get("/api/intraday", **responses())
    async def offered(who: Caller) -> IntradayOffer:
        """What this router answers this caller: the reforecast and the re-plan (a supervisor's, from the records
        it holds, once they hold a call history before today; the re-plan over the roster it follows) — asked
        first by the wallboard, which then asks only what it is offered and says what is missing."""
        if who.role != "supervisor":
            return IntradayOffer(reforecast=False, replan=False, missing=None, records=None,
                                 why="only a supervisor reads the intraday reforecast and re-plan")
        if desk is None:
            return IntradayOffer(reforecast=False, replan=False, missing="records", records=None,
                                 why="the router records nothing (--no-records): no records to reforecast from")
        if not await desk.has_history():
            return IntradayOffer(reforecast=False, replan=False, missing="history", records=desk.records_in,
                                 why=desk.no_history)
        if roster is None:
            return IntradayOffer(reforecast=True, replan=False, missing="roster", records=desk.records_in,
                                 why="the router follows no roster (route serve --roster): nothing to re-plan")
        return IntradayOffer(reforecast=True, replan=True, missing=None, records=desk.records_in, why=None)

    @app.get("/api/forecast/intraday", response_model=IntradayResponse, **responses(400, 403, 404, 422, 503))
    async def reforecast(who: Caller, as_of: AsOf = None, interval: Interval = "30m",
                         queue: Annotated[list[QueueName] | None, Query(max_length=300)] = None) -> dict:
        """The rest of the day per queue and interval, updated from the calls the router recorded so far
        (docs/history.md, "Intraday reforecast"); a naive ``as_of`` is each queue's client wall time, as in
        `casashore serve`. 503 with Retry-After while another answer is computed."""
        working = supervisor_with_records(who)
        at, shown = _checked(at_of, as_of, "each queue's client wall time")
        minutes = _checked(minutes_of, interval)
        await with_history(working)
        names = sorted(set(queue)) if queue else None

        def compute(records) -> dict:
            from casashore.forecast.reforecast import reforecast_workspace  # statsforecast: see _replan_document

            run = reforecast_workspace(records, as_of=at, interval_min=minutes, site_zone=site_zone, queues=names)
            return {"as_of": shown, "interval_min": minutes, "site_zone": site_zone, "queues": run.queues,
                    "intervals": run.intervals, "skipped": run.skipped}

        return await answered(working, "reforecast", (as_of, minutes, tuple(names or ())), compute)

    @app.get("/api/intraday/replan", response_model=ReplanResponse, **responses(400, 403, 404, 422, 503))
    async def replan(who: Caller, as_of: AsOf = None, interval: Interval = "30m",
                     target: Annotated[str, Query(max_length=16, description="20s")] = "20s",
                     service_level: Annotated[str, Query(max_length=16, description="80%")] = "80%",
                     patience: Annotated[str | None, Query(max_length=16, description="90s; none: Erlang C")] = None,
                     absent: Annotated[list[AgentName] | None, Query(max_length=2000)] = None,
                     replications: Annotated[int, Query(ge=1, le=MAX_REPLICATIONS)] = 200,
                     seed: Annotated[int, Query(ge=0, lt=2**63)] = 0,
                     simulate_top: Annotated[int, Query(ge=0, le=20)] = 3,
                     queue: Annotated[list[QueueName] | None, Query(max_length=300)] = None) -> dict:
        """The rest of the day: the gap per queue and interval, the service level if nothing changes and the
        ranked roster changes (docs/intraday.md), over the router's records and the roster it follows. 404
        without a roster; 503 with Retry-After while another answer is computed."""
        working = supervisor_with_records(who)
        if roster is None:
            raise HTTPException(404, "the router follows no roster (route serve --roster): nothing to re-plan")
        at, _ = _checked(at_of, as_of, "the site's clock")
        ask = _checked(lambda: asked(as_of=at, interval_min=minutes_of(interval), site_zone=site_zone,
                                     target=target, service_level=service_level, patience=patience,
                                     absent=absent, replications=replications, seed=seed,
                                     simulate_top=simulate_top))
        names = sorted(set(queue)) if queue else None
        await with_history(working)
        # who is at work: judged at the as-of time, or now when it is left out or ahead (the statuses known so far;
        # not the minute the as-of time is shown at, which an agent's login a few seconds ago would miss)
        seen, source = presence.judged(now() if as_of is None else at.timestamp(), now())
        question = (as_of, interval, target, service_level, patience, ask.absent, seen, replications, seed,
                    simulate_top, tuple(names or ()))
        return await answered(working, "replan", question,
                              lambda records: _replan_document()(records, roster, ask, queues=names, seen=seen,
                                                                 presence_from=source,
                                                                 roster_name="the router's roster"))


def _checked(make, *args):
    try:
        return make(*args)
    except UserError as exc:
        raise HTTPException(400, str(exc)) from None


def _replan_document():
    """The re-plan, imported in the desk's worker thread when the router first computes one: the forecasting
    and simulation libraries (statsforecast, numba, ...) are most of a router's start otherwise, and a router
    asked no intraday question never needs them."""
    from casashore.intraday.inputs import replan_document

    return replan_document
