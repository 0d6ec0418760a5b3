"""An independent recount of adherence from the router's event log and the roster's text (docs/routing.md,
"Adherence"), for a day driven live through `casashore route serve` (tests/live_day.py).

It knows nothing of route/adherence.py: it reads the roster rows as text (the shift's start and end, its
`breaks` as `kind HH:MM-HH:MM`), the events as the router logs them (status, agent_added, answered, ended,
adherence_exception) and cuts the day at every instant where a plan or an event changes something; on each
piece, whose middle it looks at, the agent does one thing and is planned one thing, so the piece's length
counts whole. Exact for events at any instant (the minute-by-minute recount of tests/test_route_adherence.py
needs every change on a whole minute, which a live router's clock never gives).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


class AgentState:
    """One agent's status, its reason and the calls she holds, folded from the log one event at a time."""

    def __init__(self, agent: str) -> None:
        self.agent, self.status, self.reason, self.calls = agent, "offline", "", set()

    def fold(self, event: str, subject: str, detail: str) -> bool:
        """The event applied; True when it concerns her (her status, her being added, a call she answered or
        one of hers ending)."""
        if event == "status" and subject == self.agent:
            self.status, _, self.reason = detail.partition(":")
        elif event == "agent_added" and subject == self.agent:
            self.status, self.reason, self.calls = "offline", "", set()
        elif event == "answered" and detail == self.agent:
            self.calls.add(subject)
        elif event == "ended" and subject in self.calls:
            self.calls.discard(subject)
        else:
            return False
        return True

    @property
    def doing(self) -> str:
        """work (on a call, whatever the status, or available), off (offline), lunch, or break."""
        if self.calls or self.status == "available":
            return "work"
        return "off" if self.status == "offline" else "lunch" if self.reason == "lunch" else "break"


def planned_spans(roster_csv: str, zone: str) -> tuple[dict[str, list[tuple[float, float, str]]], dict[str, str]]:
    """Per agent: (start, end, kind) of her shifts (``work``) and their breaks (``break``/``lunch``); her team
    (``group``)."""
    site = ZoneInfo(zone)
    spans: dict[str, list[tuple[float, float, str]]] = {}
    teams: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(roster_csv)):
        agent = row["agent"]
        start = datetime.fromisoformat(row["start"])
        start = start if start.tzinfo else start.replace(tzinfo=site)
        end = datetime.fromisoformat(row["end"])
        end = end if end.tzinfo else end.replace(tzinfo=site)
        teams[agent] = row.get("group") or ""
        mine = spans.setdefault(agent, [])
        mine.append((start.timestamp(), end.timestamp(), "work"))
        local = start.astimezone(site)
        for item in filter(None, (part.strip() for part in (row.get("breaks") or "").split(";"))):
            kind, times = item.split()
            first, last = times.split("-")
            a = local.replace(hour=int(first[:2]), minute=int(first[3:5]), second=0, microsecond=0)
            if a < local:
                a += timedelta(days=1)
            b = a.replace(hour=int(last[:2]), minute=int(last[3:5]))
            if b <= a:
                b += timedelta(days=1)
            mine.append((a.timestamp(), b.timestamp(), kind))
    return spans, teams


def recount(events: list[tuple[float, str, str, str]], roster_csv: str, zone: str, start: float,
            until: float) -> dict[str, dict[str, float]]:
    """Per agent of the roster and per team: seconds scheduled, in adherence while scheduled, worked, planned
    work, from ``start`` (the site day's midnight) to ``until``."""
    spans, teams = planned_spans(roster_csv, zone)
    cuts = {start, until}
    for mine in spans.values():
        for a, b, _ in mine:
            cuts.update(t for t in (a, b) if start < t < until)
    excused: dict[str, list[tuple[float, float]]] = {}
    for t, event, subject, detail in events:
        if start < t < until:
            cuts.add(t)
        if event == "adherence_exception":
            d = json.loads(detail)
            a, b = datetime.fromisoformat(d["start"]).timestamp(), datetime.fromisoformat(d["end"]).timestamp()
            excused.setdefault(subject, []).append((a, b))
            cuts.update(x for x in (a, b) if start < x < until)
    edges = sorted(cuts)
    pieces = list(zip(edges, edges[1:], strict=False))
    result: dict[str, dict[str, float]] = {}
    for agent, mine in spans.items():
        state = AgentState(agent)
        counts = {"scheduled": 0.0, "kept": 0.0, "worked": 0.0, "work": 0.0}
        k = 0
        for a, b in pieces:
            middle = (a + b) / 2
            while k < len(events) and events[k][0] <= middle:  # the log up to the piece's middle
                state.fold(*events[k][1:])
                k += 1
            plan = "off"
            for s, e, kind in mine:
                if s <= middle < e and (plan == "off" or kind != "work"):
                    plan = kind
            doing = state.doing
            kept = plan == doing or (plan in ("break", "lunch") and doing in ("break", "lunch"))
            kept = kept or any(s <= middle < e for s, e in excused.get(agent, ()))
            length = b - a
            if plan != "off":
                counts["scheduled"] += length
                counts["kept"] += length * kept
            counts["work"] += length * (plan == "work")
            counts["worked"] += length * (doing == "work")
        result[agent] = counts
    for team in sorted(set(teams.values())):
        members = [result[a] for a in result if teams[a] == team]
        result[team] = {key: sum(m[key] for m in members) for key in members[0]}
    return result


def mismatches(report: dict, counted: dict[str, dict[str, float]]) -> list[str]:
    """Where the router's GET /api/adherence differs from the recount, beyond the report's own rounding
    (0.001 minute, 10⁻⁶ of a ratio): an empty list when they agree, agent by agent and team by team."""
    rows = {r["agent"]: r for r in report["agents"]} | {r["team"]: r for r in report["teams"]}
    found = []
    for name, c in counted.items():
        row = rows.get(name)
        if row is None:
            if c["scheduled"] or c["worked"]:
                found.append(f"{name}: missing from the router's report")
            continue
        expected = {"scheduled_min": c["scheduled"] / 60, "worked_min": c["worked"] / 60,
                    "out_of_adherence_min": (c["scheduled"] - c["kept"]) / 60}
        for key, value in expected.items():
            if abs(row[key] - value) > 0.0015:
                found.append(f"{name}: {key} {row[key]} by the router, {value:.4f} recounted")
        for key, value in (("adherence", c["kept"] / c["scheduled"] if c["scheduled"] else None),
                           ("conformance", c["worked"] / c["work"] if c["work"] else None)):
            if (value is None) != (row[key] is None) or (value is not None and abs(row[key] - value) > 2e-6):
                found.append(f"{name}: {key} {row[key]} by the router, {value} recounted")
    return found


def presence_at(events: list[tuple[float, str, str, str]], roster_csv: str, zone: str, t: float,
                grace_s: float) -> dict[str, tuple[str, float | None]]:
    """Who the router's re-plan should see not at work at ``t`` (docs/intraday.md, "Who is at work"), recounted
    from the event log and the roster's text: agent -> ("absent", None) or ("away", the instant she is due back).
    It replays each agent's log instant by instant (knowing nothing of route/presence.py): what she did just after
    each change up to ``t``, the start of her current spell, the planned work she missed since (absent), or the
    planned break her break stands for (away)."""
    spans, _ = planned_spans(roster_csv, zone)
    found: dict[str, tuple[str, float | None]] = {}
    for agent, mine in spans.items():
        shift = next(((a, b) for a, b, kind in mine if kind == "work" and a <= t < b), None)
        if shift is None:
            continue
        breaks = [(a, b, kind) for a, b, kind in mine if kind != "work" and shift[0] <= a < shift[1]]

        def planned(x: float) -> str:
            return next((kind for a, b, kind in breaks if a <= x < b), "work")  # noqa: B023 - used at once

        state, doing = AgentState(agent), []  # doing: (instant, activity) after each change
        for at, event, subject, detail in events:
            if at > t:
                break
            if state.fold(event, subject, detail):
                doing.append((at, state.doing))
        now = doing[-1][1] if doing else "off"
        k = len(doing)
        while k > 0 and doing[k - 1][1] == now:  # back to the start of the current spell
            k -= 1
        # off since the first thing the router logged of her (or nothing logged): she never logged in
        since = float("-inf") if not doing or (k == 0 and now == "off") else doing[k][0]
        if now == "off":
            frm = max(since, shift[0])
            cuts = sorted({frm, t, *(x for a, b, _ in breaks for x in (a, b) if frm < x < t)})
            missed = sum(b - a for a, b in zip(cuts, cuts[1:], strict=False) if planned(a) == "work")
            if t > frm and missed >= grace_s:
                found[agent] = ("absent", None)
        elif now in ("break", "lunch") and planned(t) == "work":
            same = [b for b in breaks if b[2] == now] or breaks
            nearest = min(same, key=lambda b: (abs(b[0] - since), b[0]), default=None)
            length = 0.0 if nearest is None else nearest[1] - nearest[0]
            back = since + length if since + length > t else -(-(t + grace_s) // 60) * 60
            found[agent] = ("away", back)
    return found
