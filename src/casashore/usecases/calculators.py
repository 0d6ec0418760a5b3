"""The capacity calculators behind ``casashore trunks``, ``staff`` and ``link`` and the API's ``/api/trunks``,
``/api/staff`` and ``/api/link``: validate cases, compute them vectorised, and return plain dicts with units in
their keys' documentation (seconds, Erlangs, bit/s). Both interfaces get the same keys from here."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from casashore.domain.queue import MAX_DEADLINE_S, MAX_SESSIONS, MIN_DEADLINE_S, channel_name
from casashore.domain.units import capacity_bps, duration_s, json_number, number, share, whole
from casashore.errors import MISSING, UserError
from casashore.telecom.bandwidth import call_bandwidth, calls_per_link

TRUNK_FIELDS = ("traffic", "servers", "blocking", "calls", "aht")
STAFF_FIELDS = ("calls", "interval", "aht", "target", "agents", "service_level", "asa", "patience", "abandon",
                "max_occupancy", "shrinkage", "channel", "max_sessions", "concurrency", "deadline", "open")
STAFF_DEFAULTS = {"interval": "900", "target": "20"}
_NUMERIC = ("calls", "interval", "aht", "target", "patience", "agents", "service_level", "asa", "abandon",
            "max_occupancy", "shrinkage")


def _whole_float(field: str, text: str) -> float:
    return float(whole(field, text))


# ---------------------------------------------------------------- trunks (Erlang B)

def trunk_case(raw: Mapping[str, str]) -> dict[str, float | None]:
    """Validate one trunks case: exactly two of traffic (or busy-hour calls and AHT), servers, blocking."""
    traffic = number("traffic", raw["traffic"], expected="traffic in Erlangs >= 0") if "traffic" in raw else None
    if "calls" in raw or "aht" in raw:
        if traffic is not None or "calls" not in raw or "aht" not in raw:
            raise UserError("calls", raw.get("calls"), "busy-hour --calls with --aht, instead of --traffic")
        calls = number("calls", raw["calls"], expected="busy-hour calls >= 0")
        traffic = calls * duration_s("aht", raw["aht"]) / 3600.0
    servers = _whole_float("servers", raw["servers"]) if "servers" in raw else None
    blocking = share("blocking", raw["blocking"], allow_zero=False) if "blocking" in raw else None
    given = [v is not None for v in (traffic, servers, blocking)]
    if sum(given) != 2:
        raise UserError("traffic/servers/blocking", f"{sum(given)} given",
                        "exactly two of --traffic (or --calls with --aht), --servers, --blocking")
    if traffic is None and blocking == 1.0:
        raise UserError("blocking", raw["blocking"], "a share below 1 to size traffic for servers")
    return {"traffic": traffic, "servers": servers, "blocking": blocking}


def lines_for(traffic: float, blocking: float) -> dict[str, float]:
    """The lines that carry ``traffic`` Erlangs blocking at most ``blocking`` (already validated numbers)."""
    return trunks([{"traffic": traffic, "servers": None, "blocking": blocking}])[0]


def trunks(cases: list[dict[str, float | None]]) -> list[dict[str, float]]:
    """Solve each case for the missing one of traffic, servers and blocking, grouped and vectorised.

    When servers are solved, ``blocking`` is the blocking those servers give (at most the target) and
    ``blocking_target`` the target asked for."""
    # Lazy: the numba-compiled formulas take ~2 s to load; `casashore link` and `--help` never need them.
    from casashore.queueing.erlang_b import erlang_b, erlang_b_servers, erlang_b_traffic

    out: list[dict[str, float]] = [dict(c) for c in cases]  # type: ignore[arg-type]
    for missing in ("traffic", "servers", "blocking"):
        idx = [i for i, c in enumerate(cases) if c[missing] is None]
        if not idx:
            continue
        col = {k: np.array([cases[i][k] if cases[i][k] is not None else np.nan for i in idx]) for k in cases[0]}
        if missing == "blocking":
            solved = erlang_b(col["servers"], col["traffic"])
        elif missing == "servers":
            solved = erlang_b_servers(col["traffic"], col["blocking"]).astype(float)
            given = erlang_b(solved, col["traffic"])  # the whole lines block less than the target
            for i, target, actual in zip(idx, col["blocking"], given, strict=True):
                out[i]["blocking"], out[i]["blocking_target"] = float(actual), float(target)
        else:
            solved = erlang_b_traffic(col["servers"], col["blocking"])
        for i, value in zip(idx, solved, strict=True):
            out[i][missing] = float(value)
    for row in out:
        row["servers"] = int(row["servers"])
    return out


# ---------------------------------------------------------------- staff (Erlang C / A)

def staffing_case(*, calls: float, interval_s: float, aht_s: float, target_s: float, patience_s: float = math.inf,
                  agents: float = math.nan, service_level: float = math.nan, asa_s: float = math.nan,
                  abandon: float = math.nan, max_occupancy: float = math.nan,
                  shrinkage: float = math.nan, max_sessions: float = math.nan,
                  concurrency: float = math.nan, deadline_s: float = math.nan,
                  open_s: float = math.nan) -> dict[str, float]:
    """One staff case from numbers already validated; NaN marks an option not given, inf an infinite patience.
    A chat case has ``max_sessions`` and ``concurrency`` (domain/queue.py), an email case ``deadline_s`` (and
    ``open_s``, the time agents work out of the interval: all of it when NaN), a voice case none of them."""
    return {"calls": calls, "interval": interval_s, "aht": aht_s, "target": target_s, "patience": patience_s,
            "agents": agents, "service_level": service_level, "asa": asa_s, "abandon": abandon,
            "max_occupancy": max_occupancy, "shrinkage": shrinkage, "max_sessions": max_sessions,
            "concurrency": concurrency, "deadline": deadline_s, "open": open_s}


def staff_case(raw: Mapping[str, str]) -> dict[str, float]:
    """Validate one staff case given as text (an option or a CSV cell per field); the channel in any case."""
    if "channel" in raw:
        raw = {**raw, "channel": channel_name(raw["channel"])}
    if raw.get("channel") == "email":  # before the defaults: a --target given is refused, not taken for the default
        return _email_case({"interval": STAFF_DEFAULTS["interval"], **raw})
    raw = {**STAFF_DEFAULTS, **raw}
    if "calls" not in raw:
        raise UserError("calls", MISSING, "the number of calls offered in the interval (--calls)")
    if "aht" not in raw:
        raise UserError("aht", MISSING, "the average handle time (--aht), such as 180 or 3m")
    optional = {  # option: (staffing_case's parameter, parser)
        "agents": ("agents", lambda v: _whole_float("agents", v)),
        "service_level": ("service_level", lambda v: service_level(v)),
        "asa": ("asa_s", lambda v: duration_s("asa", v)),
        "abandon": ("abandon", lambda v: share("abandon", v, allow_zero=False)),
        "max_occupancy": ("max_occupancy", lambda v: share("max_occupancy", v, allow_zero=False)),
        "shrinkage": ("shrinkage", lambda v: share("shrinkage", v, allow_one=False)),
        **_chat_options(raw),
    }
    case = staffing_case(
        calls=number("calls", raw["calls"], expected="calls offered in the interval, a number >= 0"),
        interval_s=duration_s("interval", raw["interval"]),
        aht_s=duration_s("aht", raw["aht"]),
        target_s=duration_s("target", raw["target"], allow_zero=True),
        patience_s=duration_s("patience", raw["patience"], allow_inf=True) if "patience" in raw else math.inf,
        **{parameter: parse(raw[option]) for option, (parameter, parse) in optional.items() if option in raw})
    targets = ("service_level", "asa", "abandon", "max_occupancy")
    if math.isnan(case["agents"]) and all(math.isnan(case[k]) for k in targets):
        raise UserError("agents", MISSING, "--agents to evaluate, or a target to staff for: --service-level, "
                        "--asa, --abandon or --max-occupancy")
    if not math.isnan(case["abandon"]) and math.isinf(case["patience"]):
        raise UserError("abandon", raw["abandon"], "--patience too: callers who never hang up never abandon")
    if not math.isnan(case["max_sessions"]):
        if "max_occupancy" in raw:
            raise UserError("max_occupancy", raw["max_occupancy"], "no --max-occupancy with --channel chat (an "
                            "agent holding one chat counts as busy); use --service-level, --asa or --abandon")
        if "asa" in raw and not math.isinf(case["patience"]):
            raise UserError("asa", raw["asa"], "no --patience with it on chat: the chat chain gives the mean wait of "
                            "every session, not of answered ones")
    return case


def staff_notices(raw: Mapping[str, str]) -> list[str]:
    """What a user should hear about a case beside its answer: an email case counting its items over the default
    interval (15 min) while its deadline is longer, the easy mistake of a day's items given without --interval."""
    if raw.get("channel") != "email" or "interval" in raw or "deadline" not in raw:
        return []
    try:
        deadline = deadline_s(raw["deadline"])
    except UserError:
        return []  # the case's own validation says what is wrong
    default_s = float(STAFF_DEFAULTS["interval"])
    if deadline <= default_s:
        return []
    return [f"--calls {raw.get('calls', '?')} are counted as items arriving every {default_s / 60:g} min (the "
            f"default --interval) while the deadline is {raw['deadline']}: for a day's items give --interval 24h"]


def _chat_options(raw: Mapping[str, str]) -> dict:
    """The chat case's options when ``channel`` is chat; refused on voice (email spans intervals: not one case)."""
    channel = raw.get("channel", "voice")
    if channel not in ("voice", "chat"):
        raise UserError("channel", channel, "voice, chat or email")
    chat = {"max_sessions": ("max_sessions", _max_sessions),
            "concurrency": ("concurrency", lambda v: number("concurrency", v, low=0.0, high=1.0))}
    for option in EMAIL_ONLY:
        if option in raw:
            raise UserError(option, raw[option], f"no --{option} on {channel}: it is for --channel email")
    if channel == "voice":
        for option in chat:
            if option in raw:
                raise UserError(option, raw[option], f"no --{option.replace('_', '-')} on voice: it is for "
                                "--channel chat")
        return {}
    for option in chat:
        if option not in raw:
            raise UserError(option, MISSING, "--max-sessions (1 to 10) and --concurrency (0 to 1) with --channel chat")
    _max_sessions(raw["max_sessions"])
    return chat


def _max_sessions(text: str) -> float:
    """The sessions an agent holds at once: whole, 1 to MAX_SESSIONS (one message for every wrong value)."""
    expected = f"a whole number of sessions from 1 to {MAX_SESSIONS}"
    value = number("max_sessions", text, expected=expected)
    if value != math.floor(value) or not 1 <= value <= MAX_SESSIONS:
        raise UserError("max_sessions", text, expected)
    return value


def service_level(text: str) -> float:
    """A service-level goal, strictly between 0 and 1 on every channel (the API's and the domain's Share): 1 no
    queue reaches, 0 asks for nothing."""
    return share("service_level", text, allow_zero=False, allow_one=False)


def deadline_s(text: str) -> float:
    """An email deadline within the domain's (domain/queue.py DeadlineSeconds): 60 s to 30 days."""
    value = duration_s("deadline", text)
    if not MIN_DEADLINE_S <= value <= MAX_DEADLINE_S:
        raise UserError("deadline", text, "a deadline from 60 s (1m) to 30 days (30d or 720h)")
    return value


EMAIL_ONLY = ("deadline", "open")
EMAIL_REFUSED = {  # option: why it means nothing for email
    "target": "email's service level is the share taken up within --deadline, not answered within a target",
    "asa": "a fluid backlog has no wait law: staff for the share within --deadline (--service-level)",
    "patience": "items never abandon",
    "abandon": "items never abandon",
    "max_occupancy": "the agents are as busy as the items keep them: staff for --service-level or give --agents",
    "max_sessions": "it is for --channel chat",
    "concurrency": "it is for --channel chat",
}
MAX_EMAIL_SLOTS = 2880
"""An email case's interval is followed in equal slices (the open time a whole number of them): at most this many."""


def _email_case(raw: Mapping[str, str]) -> dict[str, float]:
    """An email case: ``calls`` items arriving evenly over ``interval`` (a day, say), worked ``open`` of it
    (all of it by default), each taken up within ``deadline`` for the share ``service_level``; the interval
    repeats (queueing/email_backlog.py, cyclic): the backlog of its closed hours is carried into the next."""
    for option, why in EMAIL_REFUSED.items():
        if option in raw:
            raise UserError(option, raw[option], f"no --{option.replace('_', '-')} with --channel email ({why}); "
                            "email takes --deadline, --service-level (the share taken up within it), --agents, "
                            "--open and --shrinkage")
    for option, what in (("calls", "the items arriving in the interval (--calls)"),
                         ("aht", "the average handle time of an item (--aht)"),
                         ("deadline", "the time an item must be taken up within (--deadline), such as 24h")):
        if option not in raw:
            raise UserError(option, MISSING, what)
    if "service_level" not in raw and "agents" not in raw:
        raise UserError("service_level", MISSING, "the share of items taken up within --deadline to staff for "
                        "(--service-level), or --agents to evaluate")
    interval_s = duration_s("interval", raw["interval"])
    return check_email_case(staffing_case(
        calls=number("calls", raw["calls"], expected="items arriving in the interval, a number >= 0"),
        interval_s=interval_s, aht_s=duration_s("aht", raw["aht"]), target_s=0.0,
        deadline_s=deadline_s(raw["deadline"]),
        service_level=service_level(raw["service_level"]) if "service_level" in raw else math.nan,
        agents=_whole_float("agents", raw["agents"]) if "agents" in raw else math.nan,
        shrinkage=share("shrinkage", raw["shrinkage"], allow_one=False) if "shrinkage" in raw else math.nan,
        open_s=duration_s("open", raw["open"]) if "open" in raw else interval_s), typed_open=raw.get("open"),
        typed_interval=raw["interval"] if raw["interval"] != STAFF_DEFAULTS["interval"] else "15m, the default")


def check_email_case(case: dict[str, float], typed_open: str | None = None,
                     typed_interval: str | None = None) -> dict[str, float]:
    """The email case when its open time fits its interval in whole seconds and few enough equal slices; an error
    echoes ``typed_open`` (the --open the user typed, such as 25h) when given, the seconds otherwise."""
    interval_s, open_s = case["interval"], case["open"]
    shown = typed_open if typed_open is not None else f"{open_s:g} s"
    interval = typed_interval if typed_interval is not None else f"{interval_s:g} s"
    if open_s > interval_s or open_s != round(open_s) or interval_s != round(interval_s):
        raise UserError("open", shown, f"whole seconds, at most the interval ({interval})")
    if interval_s / math.gcd(int(open_s), int(interval_s)) > MAX_EMAIL_SLOTS:
        raise UserError("open", shown, f"a part of the interval that divides it into at most "
                        f"{MAX_EMAIL_SLOTS} equal slices (such as 8h of 24h)")
    from casashore.queueing.domain import MAX_TRAFFIC_ERLANGS, check  # queueing/ loads numba: only when used

    # the items are all handled in the open time: that is where a million agents' bound applies, not the interval
    check("traffic", case["calls"] * case["aht"] / open_s, high=MAX_TRAFFIC_ERLANGS,
          what="traffic in Erlangs (items x AHT / open time, the time they are worked in)")
    return case


def _email_staff(case: dict[str, float]) -> dict[str, float | int | str | None]:
    """One email case by the fluid backlog: the fewest agents on seat during the open time, or (``agents`` given)
    the share within the deadline and the backlog those agents leave."""
    from casashore.queueing.email_backlog import email_cyclic_backlog, email_required_agents
    from casashore.queueing.staffing import agents_with_shrinkage

    interval, open_s = int(case["interval"]), int(case["open"])
    slot = math.gcd(open_s, interval)
    slots = interval // slot
    items = np.full(slots, case["calls"] / slots)
    is_open = np.arange(slots) < open_s // slot
    workload_agents = case["calls"] * case["aht"] / open_s  # agents that just keep up while open
    if math.isnan(case["agents"]):
        try:
            need = email_required_agents(items, float(slot), case["aht"], case["deadline"], case["service_level"],
                                         open_intervals=is_open)
        except UserError as error:  # the backlog's word is deadline_share; the user's (option, API field) service_level
            if error.field != "deadline_share":
                raise
            raise UserError("service_level", case["service_level"], error.expected) from None
        agents, backlog = int(need.agents.max()), need.backlog
    else:
        agents = int(case["agents"])
        if agents < workload_agents:  # the repeating interval's backlog would grow without end
            raise UserError("agents", agents, f"at least {math.ceil(workload_agents)}: fewer agents than the "
                            f"{workload_agents:.2f} the items keep busy over the open time leave a backlog that "
                            "grows every interval")
        backlog = email_cyclic_backlog(items, agents * is_open, float(slot), case["aht"], case["deadline"])
    row: dict[str, float | int | str | None] = {
        "channel": "email", "traffic": workload_agents, "agents": agents, "p_wait": None,
        "asa": None, "p_abandon": 0.0,  # no wait law in a fluid; items never abandon
        "service_level": backlog.share_within_deadline,
        "occupancy": min(workload_agents / max(agents, 1), 1.0),
        "backlog_max": float(backlog.backlog.max()), "model": "email_backlog", "deadline_s": case["deadline"],
        "open_s": float(open_s), "interval_s": float(interval), "calls": case["calls"],
        "overloaded": False}  # fewer agents than the workload are refused above: the backlog would grow
    if not math.isnan(case["shrinkage"]):
        row["agents_with_shrinkage"] = int(agents_with_shrinkage(row["agents"], case["shrinkage"]))
    return row


def staff(cases: list[dict[str, float]]) -> list[dict[str, float | int | str | None]]:
    """Staff (or evaluate) every case: voice in one vectorised pass (a week of 672 intervals is one call), chat
    and email case by case; the rows in the cases' order."""
    rows: list[dict[str, float | int | str | None]] = [{} for _ in cases]
    voice = [i for i, case in enumerate(cases) if math.isnan(case.get("max_sessions", math.nan))
             and math.isnan(case.get("deadline", math.nan))]
    if voice:
        for i, row in zip(voice, _voice_staff([cases[i] for i in voice]), strict=True):
            rows[i] = row
    for i in sorted(set(range(len(cases))) - set(voice)):
        rows[i] = _chat_staff(cases[i]) if math.isnan(cases[i].get("deadline", math.nan)) else _email_staff(cases[i])
    return rows


def _chat_staff(case: dict[str, float]) -> dict[str, float | int | str | None]:
    """One chat case by queueing/chat.py's chain: the keys of voice's rows, plus the sessions an agent holds and
    the slot use (sessions held over agents x max_sessions). ``occupancy`` is the share of agents holding at least
    one chat (near 1 as soon as every agent holds one), not the share of the slots in use."""
    from casashore.queueing.chat import chat_measures, chat_required_agents  # numba kernels, as in trunks()
    from casashore.queueing.staffing import agents_with_shrinkage

    k, c, patience = int(case["max_sessions"]), case["concurrency"], case["patience"]
    if math.isnan(case["agents"]):
        agents = int(chat_required_agents(
            [case["calls"]], case["interval"], case["aht"], k, c, target_s=case["target"],
            service_level=None if math.isnan(case["service_level"]) else case["service_level"],
            mean_wait_s=None if math.isnan(case["asa"]) else case["asa"], patience_s=patience,
            max_abandon=None if math.isnan(case["abandon"]) else case["abandon"]).agents[0])
    else:
        agents = int(case["agents"])
    m = chat_measures(agents, case["calls"] / case["interval"], case["aht"], k, c, case["target"], patience)
    row: dict[str, float | int | str | None] = {
        "channel": "chat", "traffic": case["calls"] * case["aht"] / case["interval"], "agents": agents,
        "p_wait": m.p_wait,
        "service_level": m.service_level, "asa": json_number(m.mean_wait_s) if math.isinf(patience) else None,
        "occupancy": m.occupancy, "p_abandon": m.p_abandon, "model": "chat",
        "sessions_per_agent": m.sessions_per_agent, "slot_use": m.sessions_per_agent / k, "max_sessions": k,
        "concurrency": c, "interval_s": case["interval"], "calls": case["calls"],
        # the most sessions the agents complete in the interval, each holding k: fewer than offered and no patience,
        # the line grows without end (the chain's steady state does not exist; its measures are the limit)
        "capacity_sessions": agents * k * case["interval"] / (case["aht"] * (1.0 + c * (k - 1))),
        "overloaded": False}
    row["overloaded"] = bool(math.isinf(patience) and case["calls"] > 0
                             and case["calls"] >= row["capacity_sessions"] * (1.0 - 1e-12))
    if not math.isinf(patience):
        row["asa_all"] = json_number(m.mean_wait_s)
    if not math.isnan(case["shrinkage"]):
        row["agents_with_shrinkage"] = int(agents_with_shrinkage(agents, case["shrinkage"]))
    return row


def _voice_staff(cases: list[dict[str, float]]) -> list[dict[str, float | int | str | None]]:
    """Erlang C (or A) for every voice case in one vectorised pass."""
    # Lazy: numba-compiled (~2 s to load), as in trunks().
    from casashore.queueing.staffing import agents_with_shrinkage, queue_measures, required_agents, traffic_erlangs

    col = {k: np.array([c[k] for c in cases], dtype=float) for k in cases[0] if k in _NUMERIC}
    traffic = traffic_erlangs(col["calls"], col["interval"], col["aht"])
    evaluate = ~np.isnan(col["agents"])
    agents = col["agents"].copy()
    todo = ~evaluate
    if todo.any():
        agents[todo] = required_agents(
            traffic[todo], col["aht"][todo], target_s=col["target"][todo], patience_s=col["patience"][todo],
            service_level=col["service_level"][todo], asa_s=col["asa"][todo],
            max_abandon=col["abandon"][todo], max_occupancy=col["max_occupancy"][todo])
    m = queue_measures(agents, traffic, col["aht"], col["target"], col["patience"])
    shrunk = ~np.isnan(col["shrinkage"])
    with_shrinkage = np.zeros(len(cases), dtype=np.int64)
    if shrunk.any():
        with_shrinkage[shrunk] = agents_with_shrinkage(agents[shrunk], col["shrinkage"][shrunk])
    results = []
    for i in range(len(cases)):
        row: dict[str, float | int | str | None] = {
            "channel": "voice",
            "traffic": float(traffic[i]),
            "agents": int(agents[i]),
            "p_wait": float(m["p_wait"][i]),
            "service_level": float(m["service_level"][i]),
            "asa": json_number(m["asa_s"][i]),
            "occupancy": float(m["occupancy"][i]),
            "p_abandon": float(m["p_abandon"][i]),
            "model": "erlang_c" if math.isinf(col["patience"][i]) else "erlang_a",
            "interval_s": float(col["interval"][i]), "calls": float(col["calls"][i]),
            # Erlang C with no more agents than Erlangs: the line grows without end (no steady state; with a
            # patience, Erlang A's callers leave and the queue settles, so it is never overloaded)
            "overloaded": bool(math.isinf(col["patience"][i]) and traffic[i] > 0 and agents[i] <= traffic[i]),
        }
        if not math.isinf(col["patience"][i]):
            row["asa_all"] = json_number(m["asa_all_s"][i])
        if shrunk[i]:
            row["agents_with_shrinkage"] = int(with_shrinkage[i])
        results.append(row)
    return results


# ---------------------------------------------------------------- link (VoIP bandwidth)

def link(codec: str, ptime: str | None, layer: str, *, vlan: bool = False, srtp: bool = False, mpls: int = 0,
         ipv6: bool = False, capacity: str | None = None, headroom: str | float = "0") -> dict[str, float | int | str]:
    """Per-call bandwidth of ``codec`` at ``layer`` and, given a capacity, the calls the link carries."""
    ptime_ms = None
    if ptime is not None:
        try:
            ptime_ms = float(ptime)  # a bare ptime is in milliseconds, as in SDP's a=ptime
        except ValueError:
            ptime_ms = duration_s("ptime", ptime) * 1000.0
    if (vlan or mpls) and layer in ("payload", "ip"):
        raise UserError("layer", layer, "ethernet or wire with --vlan or --mpls (tags and labels sit below IP)")
    try:
        bw = call_bandwidth(codec, ptime_ms, layer, vlan=vlan, srtp=srtp, mpls_labels=mpls, ipv6=ipv6)
    except UserError as exc:
        # Show the value as the user typed it ('25', not 25.0 ms).
        typed = {"codec": codec, "ptime": ptime, "layer": layer}.get(exc.field, exc.value)
        raise UserError(exc.field, typed, exc.expected) from None
    out: dict[str, float | int | str] = {
        "codec": bw.codec, "ptime_ms": bw.ptime_ms, "layer": bw.layer, "payload_bytes": bw.payload_bytes,
        "packet_bytes": bw.packet_bytes, "packets_per_second": bw.packets_per_second,
        "bps_per_call": bw.bps_per_call, "kbps_per_call": bw.bps_per_call / 1000.0,
    }
    if capacity is not None:
        cap = capacity_bps("capacity", capacity)
        room = share("headroom", headroom, allow_one=False)
        out["capacity_bps"] = cap
        out["headroom"] = room
        out["max_calls"] = calls_per_link(cap, bw.bps_per_call, room)
    return out
