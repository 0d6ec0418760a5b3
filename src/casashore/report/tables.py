"""The plan's numbers a planner prints, as plain rows (no language, no markup): shifts per template and site day,
a summary per site day, and every group's intervals. plan_report.py formats them; tests compare them to the plan."""

from __future__ import annotations

import csv
import io
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from casashore.plan.channels import is_blended
from casashore.plan.result import PlanResult

INTERVAL_COLUMNS = ("start", "group", "channel", "calls", "aht_s", "required_before_shrinkage",
                    "required_after_shrinkage", "required_after_shrinkage_and_rounds", "scheduled", "service_level",
                    "p_abandon", "bandwidth_bps")
"""The per-interval CSV's columns, the report's download and `casashore plan --output` alike (one function,
``interval_csv_chunks``). ``channel`` says what ``calls`` counts: voice calls, chat sessions, email items, or for a
blended pool (voice+email, voice+chat, voice+chat+email) its voice queue's calls. The staffing step's agents are
named for shrinkage: before it (on the phones or the keyboard, the channels table's peak) and after it (rostered:
what the schedule covers, the coverage chart's and the workbook's)."""


def interval_minutes(plan: PlanResult) -> int:
    starts = plan.staffing.starts
    if len(starts) < 2:
        return 1440
    return int((datetime.fromisoformat(starts[1]) - datetime.fromisoformat(starts[0])).total_seconds() // 60)


def site_days(plan: PlanResult) -> list[date]:
    """The site days of the plan's grid (whole days from midnight, so a schedule's day index counts from the
    first)."""
    return sorted({datetime.fromisoformat(s).date() for s in plan.staffing.starts})


def plan_days(plan: PlanResult) -> list[date]:
    """The scenario's days (plan.start and plan.days): the forecast's client days."""
    return sorted({date.fromisoformat(s[:10]) for s in set(plan.forecast.intervals.values("start"))})


def shown_span(plan: PlanResult) -> range:
    """The intervals of the plan's grid that its outputs show (charts, per-interval tables, CSV, workbook).

    The grid (staffing.starts) is whole site days covering every client's days: a client west of the site (London
    in winter, an hour behind Casablanca) ends its last day after the site's midnight, so the grid has one more
    site day, which the schedule's day indices count from. Shown: the plan's days on the site's clock, widened to
    the first and last intervals the clients' days reach (that last hour past midnight), not the rest of that
    extra day's zeros."""
    starts = [datetime.fromisoformat(s) for s in plan.staffing.starts]
    if not starts or not plan.forecast.intervals:
        return range(len(starts))
    days = plan_days(plan)
    reached = [datetime.fromisoformat(s) for s in set(plan.forecast.intervals.values("site_start"))]
    first = min(datetime.combine(days[0], time()), min(reached))
    end = max(datetime.combine(days[-1] + timedelta(days=1), time()),
              max(reached) + timedelta(minutes=interval_minutes(plan)))
    return range(bisect_left(starts, first), bisect_left(starts, end))


def closed_days(plan: PlanResult, opening_hours: str | None) -> list[date]:
    """The plan's days on which ``opening_hours`` (the scenario's rules) opens no interval: no call is judged there,
    and the outputs say so rather than leave the day out."""
    if opening_hours is None:
        return []
    from casashore.schedule.rules import open_intervals  # numpy and pydantic, already loaded by any plan

    step = interval_minutes(plan)
    closed = []
    for day in plan_days(plan):
        starts = [datetime.combine(day, time()) + timedelta(minutes=m) for m in range(0, 1440, step)]
        if not open_intervals(opening_hours, starts, step, False).any():
            closed.append(day)
    return closed


def _day_of_interval(plan: PlanResult) -> list[date]:
    return [datetime.fromisoformat(s).date() for s in plan.staffing.starts]


def shift_table(plan: PlanResult) -> tuple[list[date], list[tuple[str, list[int]]]]:
    """(site days, [(template, agents starting it each day)]), templates in name order."""
    days = site_days(plan)
    rows: dict[str, list[int]] = {}
    for count in plan.schedule.counts:
        rows.setdefault(count.shift, [0] * len(days))[count.day] += count.agents
    return days, sorted(rows.items())


CHANNELS = ("voice", "chat", "email")


@dataclass(frozen=True)
class ChannelDay:
    """One channel's service on a site day, its own measures and never averaged with another channel's (a chat's
    60 s and an email's 24 h mean nothing beside a call's 20 s): voice and chat the share answered within their
    target, calls-weighted over the channel's queues as the verdict judges each, their ASA (answered-weighted) and
    abandonment; email the share taken up within the deadline and the items still waiting at the day's end."""
    channel: str
    """voice, chat or email"""
    contacts: float
    """the forecast's calls, chat sessions or email items that day"""
    service_level: float | None
    """None when no queue of the channel had enough contacts that day to judge"""
    asa_s: float | None = None
    """voice and chat (None for email, whose measure is the deadline)"""
    p_abandon: float | None = None
    """voice and chat"""
    backlog_end: float | None = None
    """email: items waiting at the day's last interval boundary (the curve of the report's backlog chart)"""


@dataclass(frozen=True)
class QueueDay:
    """A queue's simulated ASA (voice, chat) and backlog at the day's end (email) on a site day."""
    asa_s: float | None
    backlog_end: float | None


@dataclass(frozen=True)
class DaySummary:
    """One site day of the daily summary (see ``daily_summary``)."""
    day: date
    calls: float
    """the day's contacts, every channel (calls, chat sessions, email items)"""
    agents: int
    """agents starting a shift"""
    paid_hours: float
    channels: tuple[ChannelDay, ...]
    """the plan's channels, in CHANNELS order, each with its own measures"""
    labour_cost: float


def plan_channels(plan: PlanResult) -> list[str]:
    """The channels of the plan's queues, in CHANNELS order (a voice plan: voice alone)."""
    present = {q.channel or "voice" for q in plan.simulation.queues} or {"voice"}
    return [c for c in CHANNELS if c in present]


def queue_days(plan: PlanResult) -> dict[tuple[str, date], QueueDay]:
    """Per queue and site day: the simulated ASA, weighted by the calls answered in each interval (offered less
    abandoned), for voice and chat; an email queue's backlog at the day's end (its ``backlog`` at the boundary
    after the day's last interval)."""
    day_of = _day_of_interval(plan)
    out: dict[tuple[str, date], QueueDay] = {}
    for q in plan.simulation.queues:
        rows = q.intervals
        waits: dict[date, list[tuple[float, float | None]]] = {}
        for i, offered, asa, abandon in zip(rows.values("interval"), rows.values("offered"), rows.values("asa"),
                                            rows.values("p_abandon"), strict=True):
            if 0 <= i < len(day_of):
                waits.setdefault(day_of[i], []).append((offered * (1.0 - (abandon or 0.0)), asa))
        ends: dict[date, float] = {}
        if q.channel == "email" and q.backlog:
            for i, day in enumerate(day_of):
                if i + 1 < len(q.backlog):
                    ends[day] = q.backlog[i + 1]  # the last interval of the day writes last
        for day in {*waits, *ends}:
            asa = None if q.channel == "email" else _weighted(waits.get(day, []))
            out[(q.queue, day)] = QueueDay(asa_s=asa, backlog_end=ends.get(day))
    return out


def daily_summary(plan: PlanResult) -> list[DaySummary]:
    """Per site day with calls or agents: contacts (forecast, every queue and channel), agents starting a shift,
    paid hours worked that day on the site's clock (a night shift's hours after midnight count for the next day),
    each channel's own service (``ChannelDay``: the verdict's judged queue-days of that channel, calls-weighted;
    None when no queue of it had enough contacts), labour cost."""
    step_h = interval_minutes(plan) / 60
    days = site_days(plan)
    first = days[0] if days else None
    day_of = _day_of_interval(plan)
    channel_of = {q.queue: q.channel or "voice" for q in plan.simulation.queues}
    channels = plan_channels(plan)
    calls = dict.fromkeys(days, 0.0)
    contacts = {(day, c): 0.0 for day in days for c in channels}
    for name, queue in plan.staffing.queues.items():
        channel = channel_of.get(name, "voice")
        for i, c in enumerate(queue.calls):
            calls[day_of[i]] += c
            if (day_of[i], channel) in contacts:
                contacts[(day_of[i], channel)] += c
    hours = dict.fromkeys(days, 0.0)
    for agents in plan.schedule.at_work.values():
        for i, n in enumerate(agents):
            hours[day_of[i]] += n * step_h
    starts = dict.fromkeys(days, 0)
    for count in plan.schedule.counts:
        starts[first + timedelta(days=count.day)] += count.agents
    judged: dict[tuple[date, str], list] = {}
    for row in plan.verdict.days:
        judged.setdefault((date.fromisoformat(row.day), row.channel or "voice"), []).append(row)
    simulated = queue_days(plan)
    rate = plan.site.cost_per_agent_hour
    out = []
    for day in days:
        if calls[day] <= 0 and starts[day] == 0 and hours[day] <= 0:
            continue
        per_channel = []
        for channel in channels:
            rows = judged.get((day, channel), [])
            level = _weighted([(r.calls, r.service_level) for r in rows])
            mine = [q for q, c in channel_of.items() if c == channel]
            if channel == "email":
                ends = [simulated[(q, day)].backlog_end for q in mine if (q, day) in simulated]
                known = [b for b in ends if b is not None]
                per_channel.append(ChannelDay(channel, contacts[(day, channel)], level,
                                              backlog_end=sum(known) if known else None))
                continue
            asa = _weighted([(r.calls, simulated[(r.queue, day)].asa_s) for r in rows if (r.queue, day) in simulated])
            abandon = _weighted([(r.calls, r.p_abandon) for r in rows])
            per_channel.append(ChannelDay(channel, contacts[(day, channel)], level, asa_s=asa, p_abandon=abandon))
        out.append(DaySummary(day=day, calls=calls[day], agents=starts[day], paid_hours=hours[day],
                              channels=tuple(per_channel), labour_cost=hours[day] * rate))
    return out


def _weighted(rows: list[tuple[float, float | None]]) -> float | None:
    known = [(w, v) for w, v in rows if v is not None and w > 0]
    weight = sum(w for w, _ in known)
    return sum(w * v for w, v in known) / weight if weight > 0 else None


def voice_bandwidth_by_group(plan: PlanResult) -> dict[str, list[float]]:
    """Each agent group's share of the site's voice bandwidth per interval (sizing.bandwidth_bps, both
    directions): a voice group (or a blended pool, whose calls are its voice queue's) its lines' traffic, a chat or
    email group 0 (a session or an item holds no trunk and no RTP stream). The rows of one interval add up to the
    site's figure. The sizing counts a line while a call waits and while it is handled, the wait the interval's ASA
    (the same for every voice group), so each group's part is its calls x (AHT + that ASA), the ASA read back
    from the site's total: calls x AHT summed over the voice groups, the rest of the traffic is waiting."""
    sizing, required = plan.sizing, plan.staffing.required
    voice = [g for g, r in required.items() if r.channel is None or is_blended(r.channel)]
    out = {g: [0.0] * len(plan.staffing.starts) for g in required}
    if len(voice) == 1:
        out[voice[0]] = list(sizing.bandwidth_bps)
        return out
    per_erlang = 2 * sizing.bps_per_call
    step_s = interval_minutes(plan) * 60
    for i, total in enumerate(sizing.bandwidth_bps):
        if not total or not per_erlang:
            continue
        calls = {g: required[g].calls[i] for g in voice}
        handled = {g: calls[g] * required[g].aht_s[i] if calls[g] else 0.0 for g in voice}
        offered = sum(calls.values())
        asa = max(total / per_erlang * step_s - sum(handled.values()), 0.0) / offered if offered else 0.0
        for g in voice:
            out[g][i] = (handled[g] + calls[g] * asa) / step_s * per_erlang
    return out


def interval_rows(plan: PlanResult) -> list[dict]:
    """Per agent group (skill) and site interval shown (``shown_span``), in group then time order (one CSV row
    each, keyed by INTERVAL_COLUMNS); service level and abandonment are the calls-weighted means of the group's
    queues (None where no call was offered) — a blended pool's of its voice queue, whose calls the row shows."""
    return list(iter_interval_rows(plan))


def iter_interval_rows(plan: PlanResult) -> Iterator[dict]:
    """``interval_rows`` one at a time: a month of hundreds of queues is ~800,000 rows, ~1 KB each as dicts."""
    staffing, schedule = plan.staffing, plan.schedule
    after = plan.required_after_rounds or staffing.required
    queues_of: dict[str, list] = {}
    for queue in plan.simulation.queues:
        queues_of.setdefault(queue.skill, []).append((queue.channel, queue.intervals))
    out = []
    shown = shown_span(plan)
    bandwidth = voice_bandwidth_by_group(plan)
    for group, required in staffing.required.items():
        channels = queues_of.get(group, [])
        pooled = [q for channel, q in channels if channel is None] or [q for _, q in channels]  # a pool: its calls'
        # The group's queues' rows as (offered, level, abandonment) by interval, one group at a time.
        mine = [dict(zip(q.values("interval"), zip(*(q.values(n) for n in ("offered", "service_level", "p_abandon")),
                                                     strict=True), strict=True)) for q in pooled]
        for i in shown:
            start = staffing.starts[i]
            simulated = [q[i] for q in mine if i in q]
            out.append({"start": start, "group": group, "channel": required.channel or "voice",
                        "calls": required.calls[i],
                        "aht_s": required.aht_s[i], "required_before_shrinkage": required.on_phone[i],
                        "required_after_shrinkage": required.with_shrinkage[i],
                        "required_after_shrinkage_and_rounds": after[group].with_shrinkage[i],
                        "scheduled": schedule.scheduled[group][i],
                        "service_level": _weighted([(r[0], r[1]) for r in simulated]),
                        "p_abandon": _weighted([(r[0], r[2]) for r in simulated]),
                        "bandwidth_bps": bandwidth[group][i]})
        yield from out
        out.clear()


def interval_csv(rows: Iterable[dict]) -> str:
    """Machine-readable in every language: `.` decimals, full precision (floats written as repr, so reading
    them back gives the plan's numbers exactly), empty where there is no value."""
    return "".join(interval_csv_chunks(rows))


def interval_csv_chunks(rows: Iterable[dict], rows_per_chunk: int = 4096) -> Iterator[str]:
    """``interval_csv`` in pieces of ``rows_per_chunk`` rows (the header in the first)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INTERVAL_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for i, row in enumerate(rows, start=1):
        writer.writerow({k: ("" if row[k] is None else row[k]) for k in INTERVAL_COLUMNS})
        if i % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
