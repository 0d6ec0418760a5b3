"""The labour rules a changed shift keeps (schedule/rules.py's LabourRules, Morocco's Labour Code by default) and
the re-plan's own limits on a change made during the day.

A change never touches the past: whatever it moves starts at or after the as-of time. A break stays inside its
shift, does not overlap another, moves at most BREAK_WINDOW_MIN from where the roster put it and leaves at least
MIN_WORK_MIN of work before it, after it and between breaks. Overtime keeps the day's worked hours within
``max_daily_hours``, the week's within ``max_weekly_hours``, the rest before and after the shift at least
``min_rest_hours``, lies in the opening hours and, since an agent's contract may forbid night work, never reaches
into the night window (``night``) where the roster's shift did not.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from casashore.intraday.day import AgentShift
from casashore.schedule.roster_rules import touches_night
from casashore.schedule.rules import LabourRules, parse_opening_hours

BREAK_WINDOW_MIN = 30
"""A break moves at most this far (either way) from its start in the roster."""
MIN_WORK_MIN = 60
"""Work kept before a break, after it and between two breaks (counted from the shift's ends)."""
TOLERANCE_S = 1e-6


def broken_rule(changed: AgentShift, planned: AgentShift, rules: LabourRules, as_of: float,
                site_zone: str) -> str | None:
    """None when ``changed`` (a re-plan of ``planned``) keeps every rule, else the first it breaks, in words."""
    if changed.start != planned.start and min(changed.start, planned.start) < as_of:
        return "the shift's start moves in the past"
    if changed.end != planned.end and min(changed.end, planned.end) < as_of:
        return "the shift's end moves in the past"
    if changed.end <= changed.start:
        return "the shift has no time left"
    why = _breaks_kept(changed, planned, as_of)
    if why:
        return why
    for a, b, queue in changed.moves:
        if queue not in changed.skills:
            return f"a move to {queue}, not one of the agent's skills"
        if a < as_of - TOLERANCE_S and (a, b, queue) not in planned.moves:
            return "a move that starts in the past"
    if changed.worked_s > max(planned.worked_s, rules.max_daily_hours * 3600) + TOLERANCE_S:
        return f"more than {rules.max_daily_hours:g} hours worked in the day"
    if changed.worked_s > planned.worked_s + TOLERANCE_S:
        if changed.week_other_s + changed.worked_s > rules.max_weekly_hours * 3600 + TOLERANCE_S:
            return f"more than {rules.max_weekly_hours:g} hours worked in the week"
    rest = rules.min_rest_hours * 3600 - TOLERANCE_S
    before = changed.previous_end
    if changed.start < planned.start and before is not None and changed.start - before < rest:
        return f"less than {rules.min_rest_hours:g} hours of rest before the shift"
    if changed.end > planned.end and changed.next_start is not None and changed.next_start - changed.end < rest:
        return f"less than {rules.min_rest_hours:g} hours of rest after the shift"
    for a, b in ((changed.start, planned.start), (planned.end, changed.end)):
        if b > a and not _open(a, b, rules, site_zone):
            return "work outside the opening hours"
        if b > a and _at_night(a, b, rules, site_zone) and not _at_night(planned.start, planned.end, rules, site_zone):
            return "overtime at night (the contract may forbid it)"
    return None


def _breaks_kept(changed: AgentShift, planned: AgentShift, as_of: float) -> str | None:
    window, work = BREAK_WINDOW_MIN * 60 + TOLERANCE_S, MIN_WORK_MIN * 60 - TOLERANCE_S
    old = sorted(planned.breaks)
    new = sorted(changed.breaks)
    if len(new) > len(old):
        return "a break added"
    if len(new) < len(old):  # only a shift cut short (voluntary time off) drops the breaks it no longer holds
        kept = [b for b in old if b[1] <= changed.end]
        if changed.end >= planned.end or sorted(kept) != new:
            return "a break dropped"
    edge = changed.start
    for (a, b, kind), (pa, pb, pkind) in zip(new, old, strict=False):
        if kind != pkind or abs((b - a) - (pb - pa)) > TOLERANCE_S:
            return "a break changed its kind or length"
        if (a, b) != (pa, pb):
            if min(a, pa) < as_of:
                return "a break moved in the past"
            if abs(a - pa) > window:
                return f"a break moved more than {BREAK_WINDOW_MIN} minutes"
        if a - edge < work:
            return f"less than {MIN_WORK_MIN} minutes of work before a break"
        edge = b
    if new and changed.end - edge < work:
        return f"less than {MIN_WORK_MIN} minutes of work after a break"
    return None


def _local(at: float, site_zone: str) -> datetime:
    return datetime.fromtimestamp(at, ZoneInfo(site_zone))


def _open(a: float, b: float, rules: LabourRules, site_zone: str) -> bool:
    """Whether the site is open over [a, b) (checked minute by minute on the site's clock)."""
    hours = parse_opening_hours(rules.opening_hours)
    minute = 60.0
    at = a
    while at < b:
        local = _local(at, site_zone)
        m, day = local.hour * 60 + local.minute, local.weekday()
        inside = any((s <= m < e) if e > s else False for s, e in hours[day])
        past_midnight = any(e <= s and (m >= s) for s, e in hours[day]) or \
            any(e <= s and m < e for s, e in hours[(day - 1) % 7])
        if not (inside or past_midnight):
            return False
        at += minute
    return True


def _at_night(a: float, b: float, rules: LabourRules, site_zone: str) -> bool:
    local = _local(a, site_zone)
    return touches_night(local.hour * 60 + local.minute, max(1, int(round((b - a) / 60))), rules.night_min)
