"""The re-plan's inputs from the records and a roster, and the re-plan made of them: the reforecast of the rest
of the day over any call records (forecast/call_records.py: the workspace, a centre's PostgreSQL records, or both),
each queue's handle time, and the roster's shifts around the day. The one module of intraday/ that reads records;
`casashore intraday replan`, the dashboard's API and the router's own API all come through ``replan_document``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from casashore.errors import UserError
from casashore.forecast.call_records import CallRecords
from casashore.forecast.predict import aht_profile
from casashore.forecast.reforecast import reforecast_workspace
from casashore.forecast.series import interval_counts
from casashore.intraday.day import AgentShift, Grid, NotAtWork, QueueRest
from casashore.intraday.question import Asked
from casashore.intraday.replan import replan
from casashore.route.planned import PlannedShift, RosterPlan


def replan_document(records: CallRecords, plan: RosterPlan, ask: Asked, *, queues: list[str] | None = None,
                    roster_name: str = "the roster", seen: Sequence[NotAtWork] = (),
                    presence_from: str = "the roster alone") -> dict:
    """The re-plan at ``ask.at`` over ``records`` and ``plan``: what `casashore intraday replan --json` prints.
    ``seen``: the agents the router sees absent or away (route/presence.py), read from ``presence_from`` (in
    words); ``ask.absent`` adds to them."""
    run = reforecast_workspace(records, as_of=ask.at, interval_min=ask.interval_min, site_zone=ask.site_zone,
                               queues=queues)
    series = interval_counts(records, ask.interval_min, queues=queues)
    grid, rests = _queues(run.intervals, series, ask.interval_min * 60.0, ask.target_s, ask.goal, ask.patience_s)
    unknown = sorted(set(ask.absent) - plan.agents())
    if unknown:
        raise UserError("absent", unknown[0], "an agent of the roster")
    away = not_at_work(seen, ask.absent)
    shifts = _shifts(plan.shifts, grid, ask.settings.as_of, away)
    if not shifts:
        raise UserError("roster", roster_name, f"shifts at work between {ask.at.isoformat()} and the day's end")
    result = replan(rests, shifts, grid, ask.settings)
    return {**result.summary, "presence_from": presence_from + (", and the agents said absent" if ask.absent else ""),
            "not_at_work": [_shown(a, ask.site_zone) for a in away.values()],
            "queues": [q.name for q in rests], "skipped": run.skipped, "intervals": result.intervals,
            "proposals": result.proposals}


def not_at_work(seen: Sequence[NotAtWork], absent: Sequence[str]) -> dict[str, NotAtWork]:
    """Agent -> why she is not at work: the router's view, an agent said absent counting absent whatever it
    sees (an ``away`` becomes ``absent``; the router's own ``absent`` keeps its why)."""
    found = {a.agent: a for a in seen}
    for agent in absent:
        if agent not in found or found[agent].kind != "absent":
            found[agent] = NotAtWork(agent, "absent", None, None, "said absent")
    return {agent: found[agent] for agent in sorted(found)}


def _shown(a: NotAtWork, site_zone: str) -> dict:
    site = ZoneInfo(site_zone)

    def at(t: float | None) -> str | None:
        return None if t is None else datetime.fromtimestamp(t, site).isoformat(timespec="minutes")

    return {"agent": a.agent, "kind": a.kind, "since": at(a.since), "until": at(a.until), "why": a.why}


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _queues(rows: list[dict], series: pd.DataFrame, interval_s: float, target_s: float, goal: float,
            patience_s: float | None) -> tuple[Grid, list[QueueRest]]:
    """The reforecast's rest of the day on one grid of instants, each queue with its handle time: the AHT profile
    of the four weeks before the day (forecast/predict.py's), weighted by the rest's calls."""
    if not rows:
        raise UserError("as_of", None, "a time before the end of the queues' day (nothing is left to re-plan)")
    instants = {r["start"]: datetime.fromisoformat(r["start"]).timestamp() for r in rows}
    first, last = min(instants.values()), max(instants.values())
    grid = Grid(first, interval_s, int(round((last - first) / interval_s)) + 1)
    out = []
    for name in sorted({r["queue"] for r in rows}):
        calls, walls = np.zeros(grid.count), []
        mine = [r for r in rows if r["queue"] == name]
        for r in mine:
            calls[int(round((instants[r["start"]] - first) / interval_s))] = r["calls"]
            walls.append(datetime.fromisoformat(r["start"]).replace(tzinfo=None))
        data = series[(series["unique_id"] == name) & (series["ds"] < pd.Timestamp(walls[0].date()))]
        profile = aht_profile(data, int(interval_s // 60))
        aht = profile.reindex([(w.weekday(), w.hour * 60 + w.minute) for w in walls]).to_numpy(float)
        weights = np.array([r["calls"] for r in mine])
        known = np.isfinite(aht)
        if not known.any():
            raise UserError("queue", name, "a queue with answered calls in its history (no handle time to staff by)")
        mean = float(np.average(aht[known], weights=weights[known])) if weights[known].sum() > 0 \
            else float(aht[known].mean())
        out.append(QueueRest(name, calls, mean, target_s, goal, patience_s))
    return grid, out


def _shifts(planned: tuple[PlannedShift, ...], grid: Grid, as_of: float,
            away: dict[str, NotAtWork]) -> list[AgentShift]:
    """The roster's shifts at work after ``as_of`` and before the grid's end, with what the rules need of the
    agent's other shifts: the previous one's end, the next one's start, the hours of the week's other days; an
    agent ``away`` absent, or off the phones until she is back."""
    by_agent: dict[str, list[PlannedShift]] = {}
    for shift in planned:
        by_agent.setdefault(shift.agent, []).append(shift)
    out = []
    for agent, mine in sorted(by_agent.items()):
        mine.sort(key=lambda s: s.spans[0].start)
        for k, shift in enumerate(mine):
            work = shift.spans[0]
            if not (work.end > as_of and work.start < grid.end):
                continue
            week = week_of(shift.day)
            other = sum(_worked(s) for s in mine if s is not shift and week_of(s.day) == week)
            out.append(AgentShift(
                agent, tuple(filter(None, shift.team.split("+"))) or ("",), work.start, work.end,
                tuple((b.start, b.end, b.activity) for b in shift.spans[1:]),
                absent=agent in away and away[agent].kind == "absent",
                away=((away[agent].since, away[agent].until),) if agent in away and away[agent].kind == "away" else (),
                previous_end=mine[k - 1].spans[0].end if k else None,
                next_start=mine[k + 1].spans[0].start if k + 1 < len(mine) else None, week_other_s=other))
            break  # one shift per agent: the first at work after the as-of time
    return out


def _worked(shift: PlannedShift) -> float:
    return shift.spans[0].end - shift.spans[0].start - sum(b.end - b.start for b in shift.spans[1:])
