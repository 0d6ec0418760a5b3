"""[[shift_patterns]]: the example written with patterns is the example written out; the expansion's count is
its arithmetic and its names are unique; every wrong field is named by its path, before anything is expanded."""

import copy
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from casashore.domain.loading import validation_errors
from casashore.domain.shift_pattern import ShiftPattern
from casashore.errors import UserError
from casashore.interfaces.cli.app import app
from casashore.plan.scenario import MAX_SHIFTS, PlanScenario, load_plan_scenario, plan_scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "casablanca.toml"
WRITTEN_OUT = Path(__file__).parent / "fixtures" / "casablanca_shifts_written_out.toml"

BASE = {
    "site": {"seats": 60},
    "plan": {"start": "2026-03-02", "days": 1, "interval_min": 15, "replications": 2},
    "queues": [{"name": q, "skill": q, "client_time_zone": "Europe/Paris", "aht_s": 240,
                "synthetic": {"weekly_calls": 700, "weeks": 5}} for q in ("fr", "es")],
}
PATTERN = {"name": "day", "groups": ["fr", "es", "fr+es"], "first_start": "07:00", "last_start": "14:00",
           "every": "1h", "length": "9h", "cost": 8, "breaks": "15m@1h30m-2h30m; 1h@3h30m-5h; 15m@6h30m-7h30m"}


def scenario(*patterns, shifts=(), skills=("fr", "es")) -> dict:
    data = copy.deepcopy(BASE)
    data["queues"] = [q for q in data["queues"] if q["skill"] in skills]
    data["shift_patterns"] = [copy.deepcopy(p) for p in patterns]
    return {**data, "shifts": list(shifts)} if shifts else data


def refused(data: dict) -> UserError:
    with pytest.raises(UserError) as caught:
        plan_scenario_from_dict(data)
    return caught.value


def test_the_example_with_patterns_is_the_example_written_out():
    with_patterns, written_out = load_plan_scenario(EXAMPLE), load_plan_scenario(WRITTEN_OUT)
    assert [s.model_dump() for s in with_patterns.shifts] == [s.model_dump() for s in written_out.shifts]
    assert with_patterns.model_dump() == written_out.model_dump()  # the site, queues, plan, rules alike too
    assert len(with_patterns.shifts) == 70 and len(tomllib.loads(EXAMPLE.read_text())["shift_patterns"]) == 10
    assert "shifts" not in tomllib.loads(EXAMPLE.read_text())


def test_names_are_readable_and_ordered_group_after_group():
    one = plan_scenario_from_dict(scenario({**PATTERN, "groups": None, "group": "fr", "name": "fr"}, skills=["fr"]))
    assert [s.name for s in one.shifts] == [f"fr-{h:02d}h" for h in range(7, 15)]
    assert one.shifts[0].start == "07:00" and one.shifts[-1].start == "14:00"
    several = plan_scenario_from_dict(scenario({**PATTERN, "first_start": "07:30", "last_start": "09:30"}))
    assert [s.name for s in several.shifts] == ["day-fr-07h30", "day-fr-08h30", "day-fr-09h30", "day-es-07h30",
                                                "day-es-08h30", "day-es-09h30", "day-fr+es-07h30", "day-fr+es-08h30",
                                                "day-fr+es-09h30"]
    assert {s.group for s in several.shifts} == {"fr", "es", "fr+es"}
    assert several.model_dump().keys() == {"site", "link", "plan", "queues", "shifts", "rules"}  # expanded once


def test_shifts_and_patterns_mix_the_written_ones_first():
    mixed = plan_scenario_from_dict(scenario({**PATTERN, "last_start": "07:00"}, shifts=[
        {"name": "late", "start": "14:00", "length": "8h", "cost": 8, "group": "fr"}]))
    assert [s.name for s in mixed.shifts] == ["late", "day-fr-07h", "day-es-07h", "day-fr+es-07h"]
    assert [where for where, _ in mixed.shift_origins] == ["shifts[0]"] + ["shift_patterns[0]"] * 3


@pytest.mark.parametrize("edit, field, words", [
    ({"every": "0"}, "shift_patterns[0].every", "duration > 0"),
    ({"every": "90s"}, "shift_patterns[0].every", "whole minutes"),
    ({"every": "25h"}, "shift_patterns[0].every", "whole minutes"),
    ({"first_start": "7h"}, "shift_patterns[0].first_start", "time of day"),
    ({"last_start": "06:00"}, "shift_patterns[0].last_start", "not before first_start"),
    ({"length": "25h"}, "shift_patterns[0].length", "at most 24 hours"),
    ({"cost": -1}, "shift_patterns[0].cost", "a number of at least 0"),
    ({"groups": ["fr", "fr"]}, "shift_patterns[0].groups", "each named once"),
    ({"groups": ["fr", "../es"]}, "shift_patterns[0].groups[1]", "skills joined by +"),
    ({"groups": ["fr", "de"]}, "shift_patterns[0].groups[1]", "skills of the queues"),
    ({"group": "fr"}, "shift_patterns[0].groups", "one of the two, not both"),
    ({"name": "../x"}, "shift_patterns[0].name", "letters, digits"),
    ({"name": "n" * 60}, "shift_patterns[0].name", "at most 64 characters"),
    ({"first_start": "07:10"}, "shift_patterns[0].first_start", "multiple of the plan's 15-minute"),
    ({"every": "50m"}, "shift_patterns[0].every", "multiple of the plan's 15-minute"),
    ({"breaks": "15m@1h-"}, "shift_patterns[0].breaks", ""),
    ({"length": "11h", "breaks": ""}, "shift_patterns[0].length", "at most 10 hours worked"),
    ({"spacing": "1h"}, "shift_patterns[0].spacing", "no such field"),
])
def test_a_wrong_pattern_field_is_named(edit, field, words):
    error = refused(scenario({**PATTERN, **edit}))
    assert error.field == field and words in error.expected, str(error)


def test_every_wrong_field_is_listed_by_path():
    data = scenario({**PATTERN, "every": "0"}, {**PATTERN, "name": "b", "first_start": "x"})
    data["site"]["seats"] = 0
    fields = [e.field for e in validation_errors(PlanScenario, data)]
    assert fields == ["site.seats", "shift_patterns[0].every", "shift_patterns[1].first_start"]


def test_a_name_used_twice_names_both_tables():
    error = refused(scenario({**PATTERN, "group": "fr", "groups": None, "name": "fr"}, shifts=[
        {"name": "fr-09h", "start": "09:00", "length": "8h", "cost": 8, "group": "fr"}], skills=["fr"]))
    assert error.field == "shift_patterns[0].name" and error.value == "fr-09h" and "shifts[0]" in error.expected
    error = refused(scenario(PATTERN, {**PATTERN, "groups": ["es"], "name": "day-es"}))
    assert error.field == "shift_patterns[1].name" and "shift_patterns[0]" in error.expected


def test_too_many_shifts_are_refused_before_anything_is_expanded(monkeypatch):
    def never(self):
        raise AssertionError("expanded a pattern beyond the limit")

    monkeypatch.setattr(ShiftPattern, "expand", never)
    # 50 groups x 1,440 starts: 72,000 shifts by arithmetic, none made
    huge = {**PATTERN, "groups": [f"g{i}" for i in range(50)], "first_start": "00:00", "last_start": "23:59",
            "every": "1m"}
    error = refused(scenario(PATTERN, huge))
    assert error.field == "shift_patterns[1]" and f"at most {MAX_SHIFTS}" in error.expected
    assert "72000 shifts" in str(error.value) and "72,024" not in error.expected and "72024" in error.expected


def test_no_shifts_at_all_is_named():
    error = refused(scenario())
    assert error.field == "shifts" and "[[shift_patterns]]" in error.expected


def test_the_cli_prints_the_pattern_field_in_one_line(tmp_path):
    text = EXAMPLE.read_text().replace('every = "2h"', 'every = "2x"', 1)
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["plan", str(path), "--workspace", str(tmp_path / "w.duckdb"), "--json"])
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith(
        f"{path}: shift_patterns[1].every: '2x' is not valid; expected a duration such as 20, 20s, 30m, 1h or 7h30m")
    assert not (tmp_path / "w.duckdb").exists()


clock = st.integers(min_value=0, max_value=1439)


@settings(max_examples=200, deadline=None)
@given(first=clock, span=st.integers(min_value=0, max_value=1439), every=st.integers(min_value=1, max_value=1440),
       groups=st.lists(st.sampled_from(["fr", "es", "en", "fr+es", "fr+en", "de"]), min_size=1, max_size=6,
                       unique=True))
def test_the_count_is_the_arithmetic_and_names_are_unique(first, span, every, groups):
    last = min(first + span, 1439)
    pattern = ShiftPattern(name="p", groups=groups, first_start=f"{first // 60:02d}:{first % 60:02d}",
                           last_start=f"{last // 60:02d}:{last % 60:02d}", every=f"{every}m", length="4h", cost=1)
    shifts = pattern.expand()
    assert pattern.count == len(shifts) == len(groups) * ((last - first) // every + 1)
    assert len({s["name"] for s in shifts}) == len(shifts)
    starts = sorted({int(s["start"][:2]) * 60 + int(s["start"][3:]) for s in shifts})
    assert starts[0] == first and starts[-1] <= last and starts[-1] + every > last
    assert pattern.bad_name() is None
