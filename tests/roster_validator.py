"""An independent check of a roster: every rule recomputed from the roster's own dates and times, without the
solver's model (no variables, no windows precomputed by it)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta


def violations(assignments: list[dict], agents: dict[str, dict], planned: dict[tuple[str, str], int],
               first_day: date, days: int, rules: dict) -> list[str]:
    """assignments: rows of the roster (agent, day, shift, group, start, end, paid_hours); agents: name ->
    {skills: set, weekly_hours, night_work: bool, unavailable: set of weekday names or ISO dates}; planned:
    (ISO day, shift) -> agents the plan wants. Returns every broken rule, in words."""
    found = []
    by_agent = defaultdict(list)
    for row in assignments:
        by_agent[row["agent"]].append(row)
    taken = defaultdict(int)
    for row in assignments:
        taken[row["day"], row["shift"]] += 1
    for key, n in taken.items():
        if n > planned.get(key, 0):
            found.append(f"{key}: {n} agents for {planned.get(key, 0)} planned")
    weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    for name, rows in by_agent.items():
        agent = agents[name]
        rows = sorted(rows, key=lambda r: r["start"])
        worked_days = [date.fromisoformat(r["day"]) for r in rows]
        if len(set(worked_days)) != len(worked_days):
            found.append(f"{name}: two shifts on one day")
        for r in rows:
            start, end = datetime.fromisoformat(r["start"]), datetime.fromisoformat(r["end"])
            if not set(r["group"].split("+")) <= agent["skills"]:
                found.append(f"{name}: shift {r['shift']} needs {r['group']}")
            if weekday[date.fromisoformat(r["day"]).weekday()] in agent["unavailable"] or \
                    r["day"] in agent["unavailable"]:
                found.append(f"{name}: works {r['day']}, unavailable")
            if r["paid_hours"] > rules["max_daily_hours"] + 1e-9:
                found.append(f"{name}: {r['paid_hours']} h on {r['day']}")
            if not agent["night_work"]:
                minute = start
                while minute < end:
                    if minute.hour >= 21 or minute.hour < 6:
                        found.append(f"{name}: night work at {minute}")
                        break
                    minute += timedelta(minutes=15)
        for before, after in zip(rows, rows[1:], strict=False):
            gap = datetime.fromisoformat(after["start"]) - datetime.fromisoformat(before["end"])
            rest_h = gap.total_seconds() / 3600
            if rest_h < rules["min_rest_hours"] - 1e-9:
                found.append(f"{name}: {rest_h:.2f} h rest before {after['start']}")
        working = [first_day + timedelta(days=d) in set(worked_days) for d in range(days)]
        run = 0
        for works in working:
            run = run + 1 if works else 0
            if run > rules["max_consecutive_days"]:
                found.append(f"{name}: more than {rules['max_consecutive_days']} days in a row")
                break
        for w in range(days // 7):
            week = working[7 * w:7 * w + 7]
            in_week = [r for r in rows if 0 <= (date.fromisoformat(r["day"]) - first_day).days - 7 * w < 7]
            hours = sum(r["paid_hours"] for r in in_week)
            if hours > min(agent["weekly_hours"], rules["max_weekly_hours"]) + 1e-9:
                found.append(f"{name}: {hours} h in week {w + 1}")
            if week.count(False) < rules["weekly_rest_days"]:
                found.append(f"{name}: no weekly rest in week {w + 1}")
            if rules["days_off_in_pairs"] and not any(not a and not b for a, b in zip(week, week[1:], strict=False)):
                found.append(f"{name}: no two days off in a row in week {w + 1}")
            starts = [datetime.fromisoformat(r["start"]) for r in in_week]
            minutes = [s.hour * 60 + s.minute for s in starts]
            if minutes and max(minutes) - min(minutes) > rules["start_band_hours"] * 60:
                found.append(f"{name}: starts spread over {(max(minutes) - min(minutes)) / 60} h in week {w + 1}")
        weekends = [d for d in range(days - 1) if (first_day + timedelta(days=d)).weekday() == 5]
        free = [not working[d] and not working[d + 1] for d in weekends]
        n = rules["weekend_off_every_weeks"]
        if n and any(not any(free[i:i + n]) for i in range(len(free) - n + 1)):
            found.append(f"{name}: no weekend off in {n} weekends")
    return found
