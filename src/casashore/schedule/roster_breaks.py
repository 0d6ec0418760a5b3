"""Each rostered agent's breaks: the shift plan places breaks as counts (so many agents of a shift on a day start
break j at a time), the roster names who works each shift; here the two meet, so that the roster says when each
named agent takes each break (what real-time adherence compares the agent's status with).

Deterministic: the agents of a shift on a day, by name, take that shift's break starts in time order, the first
agent the earliest start of each break. A break of ``LUNCH_MIN`` minutes or more is written ``lunch``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from casashore.schedule.inputs import ShiftTemplate

LUNCH_MIN = 30
"""A break this long or longer is the meal break (``lunch``); shorter ones are ``break``."""


def agents_breaks(assignments: list, templates: dict[str, ShiftTemplate], plan_breaks: dict[tuple[str, int, int, int],
                  int], first_day, plan_days: int, intervals: int, interval_min: int) -> dict[tuple[str, object], str]:
    """(agent, day) -> ``break 10:00-10:15; lunch 12:30-13:30`` (times of day on the site's clock) for the
    roster's ``assignments``; ``plan_breaks``: the shift plan's (template, plan day, break rule, start interval)
    -> agents, on a grid of ``intervals`` of ``interval_min`` from the plan's first midnight."""
    by_shift: dict[tuple[str, int], list] = {}
    for a in assignments:
        by_shift.setdefault((a.shift, (a.day - first_day).days), []).append(a)
    found = {}
    per_day = 1440 // interval_min
    for (name, d), named in by_shift.items():
        template = templates[name]
        plan_day = d % plan_days
        shift_first = plan_day * per_day + template.start_min // interval_min
        items = []
        for j, rule in enumerate(template.breaks):
            offsets = []
            for (shift, day, k, start), count in sorted(plan_breaks.items()):
                if shift == name and day == plan_day and k == j:
                    offset = rule.earliest_min if start < 0 else ((start - shift_first) % intervals) * interval_min
                    offsets += [offset] * count
            offsets.sort()
            for i, a in enumerate(sorted(named, key=lambda a: a.agent)):
                offset = offsets[i] if i < len(offsets) else rule.earliest_min
                items.append((a.agent, a.start + timedelta(minutes=offset), rule.length_min))
        for a in named:
            mine = sorted((start, length) for agent, start, length in items if agent == a.agent)
            found[(a.agent, a.day)] = "; ".join(_text(start, length) for start, length in mine)
    return found


def _text(start: datetime, length_min: int) -> str:
    kind = "lunch" if length_min >= LUNCH_MIN else "break"
    return f"{kind} {start:%H:%M}-{start + timedelta(minutes=length_min):%H:%M}"
