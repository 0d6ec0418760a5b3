"""The router's HTTP face: REST for agents, calls and live statistics, and a WebSocket event stream for agent
desktops and wallboards. One Router object on one event loop (no locks needed: every change runs between two
awaits); a ticker moves the router's clock so offers time out and wrap-ups end.

Every request needs a bearer token; tokens map to a role: ``agent`` (only its own status, and offers made to
it), ``supervisor`` (any agent), ``trunk`` (calls arriving and hanging up; the SIP front uses it).
"""


import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from casashore.route.core import Router


@dataclass(frozen=True)
class Principal:
    role: Literal["agent", "supervisor", "trunk"]
    agent_id: str | None = None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StatusChange(Strict):
    status: Literal["available", "break", "offline"]
    reason: Annotated[str, Field(max_length=40)] = ""


class NewCall(Strict):
    call_id: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[\w@.:-]+$")]
    queue: Annotated[str, Field(min_length=1, max_length=80)]
    priority: Annotated[int, Field(ge=0, le=9)] = 0


def create_router_app(router: Router, tokens: dict[str, Principal], *, tick_s: float = 0.5) -> FastAPI:
    clock_zero = time.monotonic()
    listeners: set[asyncio.Queue] = set()
    sent = {"count": len(router.events)}

    def now() -> float:
        return time.monotonic() - clock_zero

    def publish() -> None:
        """Push the router's new events to every WebSocket listener."""
        fresh = router.events[sent["count"]:]
        sent["count"] = len(router.events)
        for queue in listeners:
            for at, event, subject, detail in fresh:
                queue.put_nowait({"t": at, "event": event, "id": subject, "detail": detail})

    async def ticker() -> None:
        while True:
            await asyncio.sleep(tick_s)
            router.tick(now())
            publish()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI):
        task = asyncio.create_task(ticker())
        yield
        task.cancel()

    app = FastAPI(title="casashore router", version="0.1.0", lifespan=lifespan)

    def principal(authorization: Annotated[str | None, Header()] = None) -> Principal:
        given = (authorization or "").removeprefix("Bearer ").strip()
        if given not in tokens:
            raise HTTPException(401, "a valid bearer token is required")
        return tokens[given]

    Caller = Annotated[Principal, Depends(principal)]

    def may_act_for(who: Principal, agent_id: str) -> None:
        if who.role == "supervisor" or (who.role == "agent" and who.agent_id == agent_id):
            return
        raise HTTPException(403, f"{who.role} {who.agent_id or ''} may not act for agent {agent_id}")

    def agent_of(agent_id: str):
        if agent_id not in router.agents:
            raise HTTPException(404, f"agent {agent_id!r}: no such agent")
        return router.agents[agent_id]

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)

    @app.post("/api/agents/{agent_id}/status")
    async def set_status(agent_id: str, change: StatusChange, who: Caller) -> dict:
        agent_of(agent_id)
        may_act_for(who, agent_id)
        router.set_status(agent_id, change.status, now(), change.reason)
        publish()
        agent = router.agents[agent_id]
        return {"agent": agent_id, "status": agent.status, "state": agent.state, "call_id": agent.call_id}

    @app.post("/api/agents/{agent_id}/accept/{call_id}")
    async def accept(agent_id: str, call_id: str, who: Caller) -> dict:
        agent_of(agent_id)
        may_act_for(who, agent_id)
        if not router.accept(agent_id, call_id, now()):
            raise HTTPException(409, f"call {call_id!r} is not offered to agent {agent_id}")
        publish()
        return {"agent": agent_id, "call_id": call_id, "state": "busy"}

    @app.post("/api/agents/{agent_id}/reject/{call_id}")
    async def reject(agent_id: str, call_id: str, who: Caller) -> dict:
        agent_of(agent_id)
        may_act_for(who, agent_id)
        router.reject(agent_id, call_id, now())
        publish()
        return {"agent": agent_id, "state": router.agents[agent_id].state}

    @app.post("/api/calls", status_code=201)
    async def new_call(call: NewCall, who: Caller) -> dict:
        if who.role not in ("trunk", "supervisor"):
            raise HTTPException(403, "only a trunk or a supervisor brings calls in")
        if call.queue not in router.queues:
            raise HTTPException(404, f"queue {call.queue!r}: no such queue ({', '.join(router.queues)})")
        if call.call_id in router.calls:
            raise HTTPException(409, f"call {call.call_id!r} exists")
        queued = router.arrive(call.call_id, call.queue, now(), call.priority)
        publish()
        state = router.calls[call.call_id]
        return {"call_id": call.call_id, "accepted": queued, "state": state.state, "agent": state.agent_id,
                "position": router.position(call.call_id)}

    @app.post("/api/calls/{call_id}/hangup")
    async def hang_up(call_id: str, who: Caller) -> dict:
        call = router.calls.get(call_id)
        if call is None:
            raise HTTPException(404, f"call {call_id!r}: no such call")
        if who.role == "agent" and call.agent_id != who.agent_id:
            raise HTTPException(403, "an agent may end only its own call")
        router.hang_up(call_id, now())
        publish()
        return {"call_id": call_id, "outcome": router.calls[call_id].outcome}

    @app.get("/api/queues")
    async def queues(who: Caller) -> list[dict]:
        """Live state per queue: calls waiting, the longest wait, agents with the skill by routing state."""
        t = now()
        rows = []
        for name, queue in router.queues.items():
            waiting = router.waiting[name]
            states: dict[str, int] = {}
            for agent in router.agents.values():
                if queue.skill in agent.skills and agent.status != "offline":
                    key = agent.state if agent.status == "available" else agent.status
                    states[key] = states.get(key, 0) + 1
            rows.append({"queue": name, "waiting": len(waiting),
                         "longest_wait_s": max((t - router.calls[c].arrived_at for c in waiting), default=0.0),
                         "agents": states})
        return rows

    @app.websocket("/api/events")
    async def events(socket: WebSocket, token: str = "") -> None:
        """Every router event as JSON, live. The token goes in the query string (browsers cannot set headers
        on a WebSocket)."""
        if token not in tokens:
            await socket.close(code=4401)
            return
        await socket.accept()
        mine: asyncio.Queue = asyncio.Queue()
        listeners.add(mine)
        try:
            while True:
                await socket.send_json(await mine.get())
        except WebSocketDisconnect:
            pass
        finally:
            listeners.discard(mine)

    return app
