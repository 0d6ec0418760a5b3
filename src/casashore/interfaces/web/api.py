"""``casashore serve``: a REST API (FastAPI, OpenAPI at /docs) for the calculators, scenarios and plans, and the
dashboard page. Everything it serves is local: the page's scripts come from this package and plotly's own copy.

Security (request_guard.py does the checks before a body is read): it binds 127.0.0.1 unless told otherwise and then
answers only requests addressed to loopback; on any other address the bearer token guards stored scenarios and
plans (reading and writing), the calculators stay open. Requests that change something from another site's page
are refused. Bodies are counted as they stream and refused past the limit; scenarios are validated (names,
limits, the plan's cost) before anything is stored or run; files are addressed by generated ids, and a name from
a request is resolved inside the workspace directory or refused.
"""

from __future__ import annotations

import math
import re
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal, get_type_hints

import plotly
from fastapi import Depends, Header, HTTPException, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.security import HTTPBearer
from fastapi_offline import FastAPIOffline  # Swagger UI at /docs from local files, not a CDN
from pydantic import BaseModel, Field, create_model, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from casashore.domain.base import HandleSeconds, PositiveSeconds, ScenarioError, Share, Strict, TargetSeconds
from casashore.domain.loading import parse_toml, user_error
from casashore.domain.queue import MAX_SESSIONS, Channel, DeadlineSeconds
from casashore.domain.units import CAPACITY_PATTERN
from casashore.errors import MISSING, UserError
from casashore.interfaces.web.forecast_routes import add_forecast_routes
from casashore.interfaces.web.growth_routes import add_growth_routes
from casashore.interfaces.web.intraday_routes import add_intraday_routes
from casashore.interfaces.web.plans_routes import add_plan_routes
from casashore.interfaces.web.scenario_routes import SCENARIO_JSON, add_scenario_routes, one_writing
from casashore.interfaces.web.xlsx_api import add_xlsx_routes
from casashore.plan.scenario import plan_scenario_from_dict
from casashore.query_guard import only_declared_query
from casashore.request_guard import LOOPBACK_HOSTS, RequestGuard
from casashore.telecom.bandwidth import CallBandwidth
from casashore.telecom.codecs import ALIASES, CODECS
from casashore.usecases import calculators
from casashore.usecases.scenarios import valid_scenario_toml

MAX_UPLOAD_BYTES = 256 * 1024
MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 4096
OPEN_PATHS = ("/api/health", "/api/staff", "/api/trunks", "/api/link")
"""Under /api/, what needs no token: the calculators hold no stored data."""
MAX_TRAFFIC_ERLANGS = 1e6
STATIC = Path(__file__).parent / "static"
_ID = re.compile(r"^[0-9a-f]{12}$")


def _a(channel: str) -> str:
    return f"an {channel}" if channel == "email" else f"a {channel}"


MAX_AGENTS = 1_000_000
"""Agents a staff request evaluates: at most a million (the traffic's bound, MAX_TRAFFIC_ERLANGS)."""


class StaffRequest(Strict):
    """One interval of one queue: the queue's facts are bounded as the domain's Queue bounds them."""
    calls: Annotated[float, Field(ge=0, le=1e9, description="Calls offered in the interval (chat: sessions; "
                                                            "email: items arriving over it)")]
    interval_min: Annotated[float, Field(ge=1, le=1440)] = 30.0
    aht_s: HandleSeconds
    target_s: TargetSeconds = 20.0
    service_level: Share = 0.8
    shrinkage: Annotated[float, Field(ge=0, lt=1)] = 0.0
    patience_s: PositiveSeconds | None = None
    agents: Annotated[int, Field(ge=0, le=MAX_AGENTS)] | None = None
    """Evaluate this many agents (0 to a million) instead of staffing for service_level: their service level (an
    email case's: the share taken up within deadline_s, and the backlog they leave), `casashore staff --agents`."""
    channel: Channel = "voice"
    """voice (Erlang C or A), chat (max_sessions and concurrency: calls count sessions) or email (deadline_s, and
    open_min of the interval worked: calls are items arriving over the interval, service_level the share taken up
    within deadline_s; the interval repeats, the backlog carried)."""
    max_sessions: Annotated[int, Field(ge=1, le=MAX_SESSIONS)] | None = None
    concurrency: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    deadline_s: DeadlineSeconds | None = None
    open_min: Annotated[float, Field(ge=1, le=1440, allow_inf_nan=False)] | None = None
    abandon: Share | None = None
    """The largest share of callers (chat: of chats) that may hang up before an answer, a target besides
    service_level, as `casashore staff --abandon`: voice and chat, with patience_s."""

    @model_validator(mode="after")
    def _channel_fields(self) -> StaffRequest:
        """Each channel's fields required on it and refused elsewhere; every refusal names the field, its value and
        what it needs (a ScenarioError: the 422 names the field, not the whole body)."""
        fields = {"chat": ("max_sessions", "concurrency"), "email": ("deadline_s",)}
        for channel, names in fields.items():
            for name in names:
                if self.channel == channel and getattr(self, name) is None:
                    raise ScenarioError(name, MISSING, f"a value: {_a(channel)} case needs {' and '.join(names)}")
                if self.channel != channel and getattr(self, name) is not None:
                    raise ScenarioError(name, getattr(self, name),
                                        f"no {name} on {_a(self.channel)} case (it is for channel {channel})")
        if self.open_min is not None and self.channel != "email":
            raise ScenarioError("open_min", self.open_min,
                                f"no open_min on {_a(self.channel)} case (it is for channel email)")
        if self.abandon is not None and self.channel == "email":
            raise ScenarioError("abandon", self.abandon, "no abandon on an email case (items never abandon)")
        if self.abandon is not None and self.patience_s is None:
            raise ScenarioError("abandon", self.abandon, "patience_s too: callers who never hang up never abandon")
        if self.channel == "email" and self.patience_s is not None:
            raise ScenarioError("patience_s", self.patience_s, "no patience_s on an email case (items never abandon)")
        if self.channel == "email" and "target_s" in self.model_fields_set:  # given, not the voice default
            raise ScenarioError("target_s", self.target_s, "no target_s on an email case (its service_level is the "
                                "share taken up within deadline_s)")
        if self.channel == "email":
            self._email_open_time()
        return self

    def _email_open_time(self) -> None:
        """An email case's open time: within its interval, both whole seconds, few enough equal slices
        (calculators.check_email_case's rule, said in this request's fields and units)."""
        open_min = self.open_min if self.open_min is not None else self.interval_min
        if self.interval_min * 60 != round(self.interval_min * 60):
            raise ScenarioError("interval_min", self.interval_min, "whole seconds on an email case (such as 1440 or "
                                "0.5, not 1/7 of a minute)")
        if open_min * 60 != round(open_min * 60):
            raise ScenarioError("open_min", open_min, "whole seconds (such as 600 or 0.5, not 1/7 of a minute)")
        if open_min > self.interval_min:
            raise ScenarioError("open_min", open_min, f"at most interval_min ({self.interval_min:g})")
        slices = self.interval_min * 60 / math.gcd(round(open_min * 60), round(self.interval_min * 60))
        if slices > calculators.MAX_EMAIL_SLOTS:
            raise ScenarioError("open_min", open_min, f"a part of interval_min ({self.interval_min:g}) that divides "
                                f"it into at most {calculators.MAX_EMAIL_SLOTS} equal slices (such as 480 of 1440)")

    @model_validator(mode="after")
    def _traffic_in_range(self) -> StaffRequest:
        """At most a million agents of workload: an email case's over the open time its agents work (its items
        all handled then), a voice or chat case's over the interval."""
        worked = "open_min" if self.channel == "email" and self.open_min is not None else "interval_min"
        minutes = getattr(self, worked)
        traffic = self.calls * self.aht_s / (minutes * 60)
        if traffic > MAX_TRAFFIC_ERLANGS:
            most = MAX_TRAFFIC_ERLANGS * minutes * 60 / self.aht_s
            raise ScenarioError("calls", self.calls, f"at most {most:.4g} with aht_s {self.aht_s:g} over {worked} "
                                f"{minutes:g}: calls x aht_s / ({worked} x 60) = {traffic:.3g} Erlangs, at most "
                                f"{MAX_TRAFFIC_ERLANGS:.0e} (a million agents)")
        return self


class StaffResponse(BaseModel):
    """The keys of `casashore staff --json`."""
    channel: Literal["voice", "chat", "email"]
    traffic: float
    agents: int
    p_wait: float | None
    """Null for email (the backlog is a fluid: no chance of waiting)."""
    service_level: float
    asa: float | None
    """Seconds, for answered calls; null when unbounded."""
    occupancy: float
    p_abandon: float
    model: Literal["erlang_c", "erlang_a", "chat", "email_backlog"]
    asa_all: float | None = None
    """With a patience (Erlang A, or chat): seconds over every call or session, abandoned ones included."""
    agents_with_shrinkage: int
    sessions_per_agent: float | None = None
    """Chat: sessions an agent holds on average."""
    slot_use: float | None = None
    """Chat: sessions held over agents x max_sessions, the share of the chat slots in use (``occupancy`` is the share
    of agents holding at least one chat)."""
    max_sessions: int | None = None
    concurrency: float | None = None
    backlog_max: float | None = None
    """Email: the most items waiting at once over the repeating interval."""
    deadline_s: float | None = None
    """Email: the deadline, seconds."""
    open_s: float | None = None
    """Email: the seconds of the interval worked."""
    interval_s: float | None = None
    """The interval the calls (sessions, items) are counted over, seconds."""
    calls: float | None = None
    """The calls (sessions, items) offered in the interval."""
    overloaded: bool | None = None
    """True when the agents cannot keep up (no patience, agents at most the traffic in Erlangs; chat: sessions
    offered at least capacity_sessions): the line grows without end and the measures are its limit, not a steady
    state. A legitimate question, said rather than refused."""
    capacity_sessions: float | None = None
    """Chat: the most sessions the agents complete in the interval, each holding max_sessions."""


class TrunkRequest(Strict):
    traffic_erlangs: Annotated[float, Field(ge=0, le=1e6)]
    blocking: Annotated[float, Field(gt=0, lt=1)] = 0.01


CodecName = Literal[tuple(sorted({*CODECS, *ALIASES}))]  # type: ignore[valid-type]


class LinkRequest(Strict):
    codec: CodecName = "G.711"
    layer: Literal["payload", "ip", "ethernet", "wire"] = "ethernet"
    capacity: Annotated[str, Field(max_length=32, pattern=CAPACITY_PATTERN,
                                   description="such as 40G or 100Mbps (finite, at most 32 characters)")] = "1G"
    headroom: Annotated[float, Field(ge=0, lt=1)] = 0.0
    """Share of the link kept free; 0 as `casashore link --headroom` (a plan's [link] keeps 0.2)."""


class TrunkResponse(BaseModel):
    """The keys of `casashore trunks --json` when the lines are sized."""
    traffic: float
    servers: int
    blocking: float
    """What those lines block (at most the target)."""
    blocking_target: float


LinkResponse = create_model(
    "LinkResponse", __doc__="The keys of `casashore link --json` with a capacity: the call's packets, then the link.",
    **{name: (kind, ...) for name, kind in get_type_hints(CallBandwidth).items()},
    kbps_per_call=(float, ...), capacity_bps=(float, ...), headroom=(float, ...), max_calls=(int, ...))


class ScenarioUpload(Strict):
    """A scenario to keep, as ``toml`` (text) or ``scenario`` (JSON, kept as its TOML): one of the two."""
    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[\w .-]+$")]
    toml: Annotated[str | None, Field(min_length=1, max_length=MAX_UPLOAD_BYTES)] = None
    scenario: Annotated[dict[str, Any] | None, Field(description=SCENARIO_JSON)] = None

    @model_validator(mode="after")
    def _one_writing(self) -> ScenarioUpload:
        one_writing(self.scenario, self.toml)
        return self


class ErrorResponse(BaseModel):
    error: str
    field: str | None = None


def _errors(*codes: int) -> dict:
    text = {400: "a wrong value or scenario (the field is named)", 401: "no valid bearer token where one is needed",
            404: "no such scenario or plan", 409: "a plan is already running, still running, or has no report",
            413: "request body above the limit", 422: "a request that does not match the schema"}
    body = {"application/json": {"schema": ErrorResponse.model_json_schema()}}
    return {code: {"description": text[code], "content": body} for code in codes}


def request_error(error: dict) -> UserError:
    """A request's validation error as a UserError: where FastAPI put it (body, query, path) left out."""
    place, *loc = error.get("loc", ()) or ("body",)
    return user_error({**error, "loc": tuple(loc)}, root=str(place))


def protected(method: str, path: str) -> bool:
    """Paths that need the token when the server has one: stored scenarios, plans and their reports."""
    return path.startswith("/api/") and path.rstrip("/") not in OPEN_PATHS


def _is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def inside(directory: Path, name: str) -> Path:
    """``directory / name`` when it stays inside ``directory``; a UserError otherwise (``..``, absolute paths,
    symbolic links out)."""
    root = directory.resolve()
    path = (root / name).resolve()
    if root != path and root not in path.parents:
        raise UserError("name", name, f"a file inside the workspace directory {root}")
    return path


def create_app(workspace_dir: Path, *, host: str = "127.0.0.1", token: str | None = None,
               lang: str | None = None) -> RequestGuard:
    """The API and the dashboard over ``workspace_dir`` (scenarios, plans and the DuckDB workspace live there)."""
    if not _is_loopback(host) and not token:
        raise UserError("token", MISSING, f"a bearer token (--token or CASASHORE_TOKEN) to serve on {host}: writes "
                        "from other machines need one")
    workspace_dir.mkdir(parents=True, exist_ok=True)
    (workspace_dir / "scenarios").mkdir(exist_ok=True)
    (workspace_dir / "reports").mkdir(exist_ok=True)
    app = FastAPIOffline(title="casashore", version="0.1.0",
                         description="Capacity calculators, plan scenarios and plans of an offshore contact centre. "
                                     "Served off loopback, stored scenarios and plans need the bearer token.",
                         dependencies=[Depends(only_declared_query)])
    # Declares the bearer scheme in the OpenAPI document when the server has a token (RequestGuard checks it
    # before any body is read); without one, nothing is asked and the document says so.
    bearer = HTTPBearer(auto_error=False, description="The server's --token (needed off loopback)")
    guarded = {"dependencies": [Security(bearer)] if token else [],
               "responses": _errors(400, *((401,) if token else ()), 404, 409, 413, 422)}
    open_responses = {"responses": _errors(400, 413, 422)}

    @app.exception_handler(UserError)
    async def _user_error(_: Request, exc: UserError) -> JSONResponse:
        return JSONResponse({"error": str(exc), "field": exc.field}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # In the words of the CLI's errors (field, value, what it needs), the field's path without FastAPI's
        # "body" / "query" / "path" in front; details keeps every error, each worded the same way.
        errors = [request_error(e) for e in exc.errors()] or [UserError("body", None, "a valid request")]
        return JSONResponse({"error": str(errors[0]), "field": errors[0].field,
                             "details": [{"loc": list(e.get("loc", ())), "field": u.field, "msg": str(u)}
                                         for e, u in zip(exc.errors(), errors, strict=False)]},
                            status_code=422)

    @app.get("/api/health")
    def health() -> dict:
        return {"status": "ok"}

    # The calculators are what `casashore staff`, `trunks` and `link` call, with the same keys.
    @app.post("/api/staff", response_model=StaffResponse, response_model_exclude_unset=True, **open_responses)
    async def staff(req: StaffRequest) -> dict | JSONResponse:
        """Fewest agents meeting the service level: Erlang C (or Erlang A with patience_s); a chat queue's agents
        holding up to max_sessions (the chat chain); an email queue's over its backlog and deadline
        (`casashore staff --channel chat|email`, the same keys)."""
        nan = math.nan
        email = req.channel == "email"
        # Microseconds of compiled arithmetic (an email case: a few ms): on the event loop, not in a thread.
        case = calculators.staffing_case(
            calls=req.calls, interval_s=req.interval_min * 60, aht_s=req.aht_s,
            target_s=0.0 if email else req.target_s, service_level=req.service_level,
            patience_s=req.patience_s or math.inf, shrinkage=req.shrinkage,
            agents=float(req.agents) if req.agents is not None else nan,
            max_sessions=float(req.max_sessions) if req.max_sessions is not None else nan,
            concurrency=req.concurrency if req.concurrency is not None else nan,
            deadline_s=req.deadline_s if email else nan,
            open_s=(req.open_min or req.interval_min) * 60 if email else nan,
            abandon=req.abandon if req.abandon is not None else nan)
        try:  # a service level the open hours cannot give: named as a request's field, 422
            return calculators.staff([calculators.check_email_case(case) if email else case])[0]
        except UserError as error:
            return JSONResponse({"error": str(error), "field": error.field, "details": [
                {"loc": ["body", error.field], "field": error.field, "msg": str(error)}]}, status_code=422)

    @app.post("/api/trunks", response_model=TrunkResponse, **open_responses)
    def trunks(req: TrunkRequest) -> dict:
        """Phone lines for busy-hour traffic at a blocking probability (Erlang B)."""
        return calculators.lines_for(req.traffic_erlangs, req.blocking)

    @app.post("/api/link", response_model=LinkResponse, **open_responses)
    def link(req: LinkRequest) -> dict:
        """Bit rate of one call at a layer, and the calls a link carries with headroom."""
        return calculators.link(req.codec, None, req.layer, capacity=req.capacity, headroom=req.headroom)

    @app.post("/api/scenarios", status_code=201, **guarded)
    def upload_scenario(req: ScenarioUpload) -> dict:
        """Validate a plan scenario (TOML text, or JSON kept as its TOML: names, limits and the plan's cost) and
        keep it; nothing is stored when it is invalid."""
        if req.toml is not None:
            text = req.toml
            scenario = plan_scenario_from_dict(parse_toml(text, "toml", req.name), where=req.name)
        else:
            scenario, text = valid_scenario_toml(req.scenario, req.name)
        if len(text) > MAX_UPLOAD_BYTES:
            raise UserError("scenario", f"{len(text):,} characters of TOML", f"at most {MAX_UPLOAD_BYTES:,}")
        scenario_id = uuid.uuid4().hex[:12]
        path = inside(workspace_dir / "scenarios", f"{scenario_id}.toml")
        path.write_text(text, encoding="utf-8")
        (path.with_suffix(".name")).write_text(req.name, encoding="utf-8")
        return {"id": scenario_id, "name": req.name, "site": scenario.site.name, "queues": len(scenario.queues)}

    add_scenario_routes(app, guarded)

    @app.get("/api/scenarios", **guarded)
    def list_scenarios() -> list[dict]:
        return [{"id": p.stem, "name": p.with_suffix(".name").read_text(encoding="utf-8")}
                for p in sorted((workspace_dir / "scenarios").glob("*.toml"))]

    def scenario_path(scenario_id: str) -> Path:
        if not _ID.match(scenario_id):
            raise HTTPException(404, f"scenario {scenario_id!r}: no such scenario")
        path = inside(workspace_dir / "scenarios", f"{scenario_id}.toml")
        if not path.is_file():
            raise HTTPException(404, f"scenario {scenario_id!r}: no such scenario")
        return path

    @app.get("/api/scenarios/{scenario_id}", **guarded)
    def get_scenario(scenario_id: str) -> dict:
        """The stored scenario: its id, the name it was saved under and its TOML."""
        path = scenario_path(scenario_id)
        return {"id": scenario_id, "name": path.with_suffix(".name").read_text(encoding="utf-8"),
                "toml": path.read_text(encoding="utf-8")}

    def scenario_text(scenario_id: str) -> tuple[str, str]:
        path = scenario_path(scenario_id)
        return path.with_suffix(".name").read_text(encoding="utf-8"), path.read_text(encoding="utf-8")

    add_plan_routes(app, workspace_dir, guarded, scenario_text)
    add_forecast_routes(app, workspace_dir, guarded)
    add_intraday_routes(app, workspace_dir, guarded)

    def page(name: str, accept_language: str | None) -> HTMLResponse:
        chosen = lang or ("fr" if (accept_language or "").lower().startswith("fr") else "en")
        # The body limit goes into the page so that it refuses a file too large before sending it (the guard
        # refuses it anyway): one number, this server's.
        text = (STATIC / name).read_text(encoding="utf-8")
        # The growth and intraday pages share their head (page_head.html); the others have their own.
        text = text.replace("__PAGE_HEAD__", (STATIC / "page_head.html").read_text(encoding="utf-8"))
        return HTMLResponse(text.replace("__LANG__", chosen).replace("__MAX_BODY_BYTES__", str(MAX_BODY_BYTES)))

    add_xlsx_routes(app, guarded, MAX_BODY_BYTES)
    add_growth_routes(app, guarded)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard(accept_language: Annotated[str | None, Header()] = None) -> HTMLResponse:
        return page("dashboard.html", accept_language)

    @app.get("/scenario", response_class=HTMLResponse, include_in_schema=False)
    def scenario_form(accept_language: Annotated[str | None, Header()] = None) -> HTMLResponse:
        """The scenario as forms (site, link, plan, queues, shift patterns, rules) with its TOML view."""
        return page("scenario.html", accept_language)

    @app.get("/growth", response_class=HTMLResponse, include_in_schema=False)
    def growth_page(accept_language: Annotated[str | None, Header()] = None) -> HTMLResponse:
        """Park scenarios pasted or uploaded, compared month by month (POST /api/growth)."""
        return page("growth.html", accept_language)

    @app.get("/intraday", response_class=HTMLResponse, include_in_schema=False)
    def intraday_page(accept_language: Annotated[str | None, Header()] = None) -> HTMLResponse:
        """The rest of the day re-planned at an as-of time (GET /api/intraday/replan)."""
        return page("intraday.html", accept_language)

    @app.get("/assets/{name}", include_in_schema=False)
    def asset(name: str) -> FileResponse:
        files = {"plotly.min.js": Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
                 "api.js": STATIC / "api.js", "dashboard.js": STATIC / "dashboard.js", "plans.js": STATIC / "plans.js",
                 "scenario.js": STATIC / "scenario.js", "scenario_words.js": STATIC / "scenario_words.js",
                 "scenario.css": STATIC / "scenario.css", "growth.js": STATIC / "growth.js",
                 "intraday.js": STATIC / "intraday.js"}
        if name not in files:
            raise HTTPException(404, f"asset {name!r}: no such file")
        return FileResponse(files[name], media_type="text/css" if name.endswith(".css") else "text/javascript")

    return RequestGuard(app, loopback=_is_loopback(host), token=token, protected=protected,
                        max_body_bytes=MAX_BODY_BYTES)
