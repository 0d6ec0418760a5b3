"""Rostering named agents: every rule checked by an independent validator (tests/roster_validator.py)."""

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from conftest import write_csv as write
from roster_validator import violations

runner = CliRunner()
RULES = {"max_daily_hours": 10, "max_weekly_hours": 44, "weekly_rest_days": 1, "min_rest_hours": 11,
         "max_consecutive_days": 6, "days_off_in_pairs": True, "weekend_off_every_weeks": 3, "start_band_hours": 2}
MONDAY = date(2026, 3, 2)


def centre(tmp_path, weeks=1, agents=26):
    """A week of hours, FR 4 and ES 2 by day (07:00-23:00), FR 1 at night; 9-hour shifts with a lunch hour;
    agents: French, Spanish and bilingual, some without night work, some never on Fridays."""
    rows = []
    for d in range(7):
        for h in range(24):
            day = 7 <= h < 23
            rows += [[f"2026-03-{2 + d:02d}T{h:02d}:00", "fr", 4 if day else 1],
                     [f"2026-03-{2 + d:02d}T{h:02d}:00", "es", 2 if day else 0]]
    req = write(tmp_path / "r.csv", ["start", "group", "required"], rows)
    shifts = write(tmp_path / "s.csv", ["name", "start", "length", "cost", "group", "breaks"],
                   [[f"{g}_{h:02d}", f"{h:02d}:00", "9h", 8, g, "1h@3h-5h"] for g in ("fr", "es") for h in range(24)])
    people = []
    for i in range(agents):
        skills = ("fr", "es", "fr+es")[i % 3]
        people.append([f"a{i:02d}", skills, 40 if i % 4 else 32, "no" if i % 5 == 1 else "yes",
                       "fri" if i % 7 == 3 else "", "08:00" if i % 2 else ""])
    roster = write(tmp_path / "agents.csv", ["agent", "skills", "weekly_hours", "night_work", "unavailable",
                                             "preferred_start"], people)
    return req, shifts, roster, people


def agents_of(people):
    return {p[0]: {"skills": set(p[1].split("+")), "weekly_hours": p[2], "night_work": p[3] == "yes",
                   "unavailable": {p[4]} if p[4] else set()} for p in people}


def run(req, shifts, roster, *extra):
    result = runner.invoke(app, ["schedule", "--requirements", str(req), "--shifts", str(shifts), "--cyclic",
                                 "--roster", str(roster), "--time-limit", "4s", "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def planned_counts(doc, weeks):
    return {(date.fromordinal(MONDAY.toordinal() + d).isoformat(), row["shift"]): row["agents"]
            for row in doc["shifts_by_day"] for d in range(7 * weeks) if d % 7 == row["day"]}


def test_a_two_week_roster_keeps_every_rule(tmp_path):
    req, shifts, roster, people = centre(tmp_path)
    doc = run(req, shifts, roster, "--weeks", "2")
    named = doc["roster"]
    assert named["status"] in ("optimal", "feasible") and named["gap"] is not None
    planned = planned_counts(doc, 2)
    assert violations(named["assignments"], agents_of(people), planned, MONDAY, 14, RULES) == []
    filled = len(named["assignments"]) + sum(o["agents"] for o in named["open_shifts"])
    assert filled == sum(planned.values())  # every planned shift is named or reported open
    assert len(named["assignments"]) > 0.8 * sum(planned.values())


def test_the_validator_catches_broken_rules(tmp_path):
    """The validator is not a rubber stamp: a roster edited to break rules is caught."""
    req, shifts, roster, people = centre(tmp_path)
    doc = run(req, shifts, roster, "--weeks", "1")
    rows = doc["roster"]["assignments"]
    agent = rows[0]["agent"]
    mine = [r for r in rows if r["agent"] == agent]
    broken = [dict(r) for r in rows]
    extra = dict(mine[0], day=mine[0]["day"], start=mine[0]["start"])  # a second shift the same day
    assert violations(broken + [extra], agents_of(people), planned_counts(doc, 1), MONDAY, 7, RULES)
    everyday = [dict(mine[0], day=f"2026-03-{2 + d:02d}", start=f"2026-03-{2 + d:02d}T08:00:00",
                     end=f"2026-03-{2 + d:02d}T17:00:00") for d in range(7)]
    words = " ".join(violations(everyday, agents_of(people), {k: 99 for k in planned_counts(doc, 1)} |
                                {(f"2026-03-{2 + d:02d}", mine[0]["shift"]): 99 for d in range(7)}, MONDAY, 7, RULES))
    assert "days in a row" in words and "weekly rest" in words and "two days off" in words


def test_too_few_agents_leave_shifts_open_not_rules_broken(tmp_path):
    req, shifts, roster, people = centre(tmp_path, agents=9)
    doc = run(req, shifts, roster, "--weeks", "1")
    named = doc["roster"]
    assert sum(o["agents"] for o in named["open_shifts"]) > 0
    assert violations(named["assignments"], agents_of(people), planned_counts(doc, 1), MONDAY, 7, RULES) == []


@pytest.mark.parametrize("row, words", [
    (["x", "de", 40, "yes", "", ""], "skills: 'de'"),
    (["x", "fr", 50, "yes", "", ""], "legal maximum"),
    (["x", "fr", 40, "maybe", "", ""], "night_work"),
    (["x", "fr", 40, "yes", "someday", ""], "unavailable"),
])
def test_bad_agents_are_named(tmp_path, row, words):
    req, shifts, _, _ = centre(tmp_path)
    roster = write(tmp_path / "bad.csv", ["agent", "skills", "weekly_hours", "night_work", "unavailable",
                                          "preferred_start"], [row])
    result = runner.invoke(app, ["schedule", "--requirements", str(req), "--shifts", str(shifts), "--roster",
                                 str(roster), "--json"])
    assert result.exit_code == 2 and words in result.stderr and "line 2" in result.stderr and result.stdout == ""


def test_the_roster_is_the_same_under_load(tmp_path):
    """Deterministic limits only: a run while another process keeps a core busy names the same agents."""
    import subprocess
    import sys

    from casashore.schedule.inputs import read_requirement, read_shifts
    from casashore.schedule.roster import read_agents, solve_roster
    from casashore.schedule.rules import LabourRules

    req, shifts, roster, _ = centre(tmp_path)
    rules = LabourRules()
    requirement = read_requirement(req)
    templates = read_shifts(shifts, requirement, max_paid_h=rules.max_daily_hours)
    agents = read_agents(roster, requirement.groups, rules)
    counts = {(t.name, d): 1 + (d + i) % 2 for d in range(14) for i, t in enumerate(templates)
              if t.start_min in (7 * 60, 14 * 60)}

    def names():
        result = solve_roster(agents, templates, counts, MONDAY, 14, rules, time_limit_s=600, deterministic_time=2)
        assert result.stopped_by in ("optimal", "deterministic_limit")
        return [(a.agent, a.day, a.shift) for a in result.assignments], result.diagnosis

    quiet = names()
    busy = subprocess.Popen([sys.executable, "-c", "while 1: pass"])
    try:
        loaded = names()
    finally:
        busy.kill()
        busy.wait()
    assert quiet == loaded and quiet[0]


def test_open_shifts_are_explained(tmp_path):
    req, shifts, roster, _ = centre(tmp_path, agents=9)
    named = run(req, shifts, roster, "--weeks", "1")["roster"]
    assert len(named["diagnosis"]) == len(named["open_shifts"]) > 0
    for row, why in zip(named["open_shifts"], named["diagnosis"], strict=True):
        assert (why["day"], why["shift"], why["agents"]) == (row["day"], row["shift"], row["agents"])
        assert sum(why["blocked"].values()) == 9 and "free" not in why["blocked"]
        assert why["text"].startswith(f"{row['day']} {row['shift']}: {row['agents']} open")


def test_each_named_agent_gets_the_breaks_the_plan_placed(tmp_path):
    """The plan places breaks as counts per shift and start; the roster gives them to named agents: per shift
    and day, the agents' lunches start when the plan's do, as many at each time, inside their windows — and the
    router reads that roster (the agents' planned lunches for adherence)."""
    from collections import Counter
    from datetime import datetime, timedelta

    from casashore.route.planned import read_roster

    req, shifts, roster, people = centre(tmp_path)
    out = tmp_path / "roster.csv"
    doc = run(req, shifts, roster, "--weeks", "2", "--roster-output", str(out))
    assignments = doc["roster"]["assignments"]
    opened = {(o["day"], o["shift"]) for o in doc["roster"]["open_shifts"]}
    planned = Counter()
    for row in doc["breaks"]:
        for week in range(2):
            day = (MONDAY + timedelta(days=row["day"] + 7 * week)).isoformat()
            planned[(day, row["shift"], row["start"][11:16])] += row["agents"]
    given = Counter()
    for a in assignments:
        kind, times = a["breaks"].split(" ")
        begin, end = times.split("-")
        start = datetime.fromisoformat(a["start"])
        offset = (datetime.combine(start.date(), datetime.strptime(begin, "%H:%M").time()) - start).seconds // 60
        assert kind == "lunch" and 180 <= offset <= 300, a  # 1h@3h-5h
        given[(a["day"], a["shift"], begin)] += 1
    for key in set(given) | set(planned):
        if (key[0], key[1]) not in opened:
            assert planned[key] == given[key], key
    assert sum(given.values()) == len(assignments) > 0
    plan = read_roster(out, "Africa/Casablanca", {p[0] for p in people})
    lunches = [s for shift in plan.shifts for s in shift.spans if s.activity == "lunch"]
    assert len(lunches) == len(assignments) and all(s.end - s.start == 3600 for s in lunches)


def test_an_open_shifts_reasons_agree_with_the_count():
    """"1 is at the weekly contract hours", "2 are at their weekly contract hours": a new user read "1 are"."""
    from casashore.schedule.roster_rules import REASONS, reason_words

    assert reason_words("hours", 1) == "is at the weekly contract hours"
    assert reason_words("hours", 2) == REASONS["hours"] == "are at their weekly contract hours"
    assert all(not reason_words(key, 1).startswith(("are ", "lack ")) and " their " not in reason_words(key, 1)
               for key in REASONS)
    assert reason_words("free", 1) == "could take it (left open by the search)"
