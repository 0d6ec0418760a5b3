"""Shift scheduling: proven optima against independent formulations, night shifts, errors."""

import csv
import json

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from typer.testing import CliRunner

from casashore.cli import app
from casashore.queueing.staffing import required_agents
from conftest import anonymous_bank_calls, shared_data
from conftest import write_csv as write

runner = CliRunner()
SHIFT_MATRIX = shared_data("anonymous_bank_feb1999", "data_anonymous_bank_shifts.csv")
BANK = shared_data("anonymous_bank_feb1999", "data_anonymous_bank_february.txt")


def schedule(*args: str) -> dict:
    result = runner.invoke(app, ["schedule", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def independent_optimum(cover: np.ndarray, cost: np.ndarray, required: np.ndarray) -> float:
    """min cost.x s.t. cover @ x >= required, x integer >= 0 — scipy's milp on the matrix as given."""
    result = milp(c=cost, constraints=LinearConstraint(cover, lb=required), integrality=np.ones(len(cost)),
                  bounds=Bounds(0, np.inf))
    assert result.status == 0
    return float(result.fun)


REQUIRED_24 = [3, 3, 2, 2, 2, 3, 5, 8, 12, 14, 15, 15, 14, 13, 14, 15, 14, 12, 10, 9, 8, 6, 5, 4]


def test_cyclic_day_of_eight_hour_shifts_is_proven_optimal(tmp_path):
    """The textbook 24-hour cyclic covering problem: an 8-hour shift may start at every hour."""
    req = write(tmp_path / "r.csv", ["start", "required"], [[f"{h:02d}:00", r] for h, r in enumerate(REQUIRED_24)])
    shifts = write(tmp_path / "s.csv", ["name", "start", "length", "cost"],
                   [[f"h{h:02d}", f"{h:02d}:00", "8h", 1] for h in range(24)])
    doc = schedule("--requirements", str(req), "--shifts", str(shifts), "--cyclic", "--hard")
    cover = np.array([[1.0 if (t - s) % 24 < 8 else 0.0 for s in range(24)] for t in range(24)])
    assert doc["status"] == "optimal" and doc["gap"] == 0.0
    assert doc["cost"] == independent_optimum(cover, np.ones(24), np.array(REQUIRED_24, float))
    assert all(row["unmet"] == 0 for row in doc["coverage"])
    assert sum(doc["shifts"].values()) == doc["cost"]


def test_a_constant_requirement_needs_three_shifts_per_agent_seat(tmp_path):
    req = write(tmp_path / "r.csv", ["start", "required"], [[f"{h:02d}:00", 5] for h in range(24)])
    shifts = write(tmp_path / "s.csv", ["name", "start", "length", "cost"],
                   [[f"h{h:02d}", f"{h:02d}:00", "8h", 1] for h in range(24)])
    assert schedule("--requirements", str(req), "--shifts", str(shifts), "--cyclic", "--hard")["cost"] == 15


@pytest.mark.skipif(not (SHIFT_MATRIX.exists() and BANK.exists()), reason="the Anonymous Bank files are absent")
def test_anonymous_bank_shift_matrix_with_its_costs(tmp_path):
    """The eight 6-hour shifts of the Anonymous Bank cover matrix, costs 252, 288, 180, 180, 180, 288, 288, 288;
    hourly requirement: Erlang C (80 % in 20 s) for February's mean calls per hour on working days (Sun-Thu)."""
    with SHIFT_MATRIX.open() as handle:
        rows = list(csv.DictReader(handle))
    cover = np.array([[float(r[f"Shift{k}"]) for k in range(1, 9)] for r in rows])
    costs = np.array([252, 288, 180, 180, 180, 288, 288, 288], float)
    calls, handle_s, days = np.zeros(24), [], set()
    for at, r in anonymous_bank_calls(BANK):
        if at.isoweekday() in (5, 6):  # Friday and Saturday are short days in Israel
            continue
        days.add(at.date())
        calls[at.hour] += 1
        if r["outcome"] == "AGENT":
            handle_s.append(float(r["ser_time"]))
    aht = float(np.mean(handle_s))
    required = required_agents(calls / len(days) * aht / 3600.0, np.full(24, aht), target_s=20.0,
                               service_level=0.8).astype(float)
    starts = [int(np.flatnonzero(cover[:, k])[0]) for k in range(8)]
    lengths = [int(cover[:, k].sum()) for k in range(8)]
    req = write(tmp_path / "r.csv", ["start", "required"], [[f"{h:02d}:00", int(n)] for h, n in enumerate(required)])
    shifts = write(tmp_path / "s.csv", ["name", "start", "length", "cost"],
                   [[f"Shift{k + 1}", f"{starts[k]:02d}:00", f"{lengths[k]}h", costs[k]] for k in range(8)])
    doc = schedule("--requirements", str(req), "--shifts", str(shifts), "--hard")
    assert doc["status"] == "optimal" and doc["gap"] == 0.0
    assert doc["cost"] == pytest.approx(independent_optimum(cover, costs, required))
    assert required.max() >= 8  # a real daytime peak


def test_a_night_shift_crosses_midnight_only_when_the_day_wraps(tmp_path):
    req = write(tmp_path / "r.csv", ["start", "required"], [[f"{h:02d}:00", 1] for h in range(24)])
    shifts = write(tmp_path / "s.csv", ["name", "start", "length", "cost"],
                   [["day", "06:00", "8h", 8], ["evening", "14:00", "8h", 8], ["night", "22:00", "8h", 9]])
    flat = schedule("--requirements", str(req), "--shifts", str(shifts))
    assert [u["start"] for u in flat["uncoverable"]] == [f"{h:02d}:00" for h in range(6)]
    assert sum(r["unmet"] for r in flat["coverage"]) == 6
    hard = schedule("--requirements", str(req), "--shifts", str(shifts), "--hard")
    assert hard["status"] == "infeasible" and len(hard["uncoverable"]) == 6
    wrapped = schedule("--requirements", str(req), "--shifts", str(shifts), "--cyclic", "--hard")
    assert wrapped["status"] == "optimal" and wrapped["cost"] == 25
    assert wrapped["shifts"] == {"day": 1, "evening": 1, "night": 1}


def test_sunday_night_wraps_to_monday_on_a_week(tmp_path):
    """A week of hourly intervals needing one agent at all hours: with the week wrapped, three 8-hour shifts a
    day cover it exactly (21); without, Monday 00:00-06:00 has no shift (Sunday's night does not wrap)."""
    rows = [[f"2026-03-{2 + d:02d}T{h:02d}:00", 1] for d in range(7) for h in range(24)]
    req = write(tmp_path / "r.csv", ["start", "required"], rows)
    shifts = write(tmp_path / "s.csv", ["name", "start", "length", "cost"],
                   [["day", "06:00", "8h", 1], ["evening", "14:00", "8h", 1], ["night", "22:00", "8h", 1]])
    wrapped = schedule("--requirements", str(req), "--shifts", str(shifts), "--cyclic", "--hard")
    assert wrapped["status"] == "optimal" and wrapped["cost"] == 21
    assert {"shift": "night", "day": 6, "agents": 1} in wrapped["shifts_by_day"]
    open_week = schedule("--requirements", str(req), "--shifts", str(shifts))
    assert [u["start"] for u in open_week["uncoverable"]] == [f"2026-03-02T{h:02d}:00:00" for h in range(6)]


def test_groups_are_covered_by_their_own_shifts(tmp_path):
    rows = [[f"{h:02d}:00", g, n] for h in range(8, 16) for g, n in (("fr", 4), ("es", 2))]
    req = write(tmp_path / "r.csv", ["start", "group", "required"], rows)
    shifts = write(tmp_path / "s.csv", ["name", "start", "length", "cost", "group"],
                   [["fr_day", "08:00", "8h", 1, "fr"], ["es_day", "08:00", "8h", 1, "es"]])
    doc = schedule("--requirements", str(req), "--shifts", str(shifts), "--hard")
    assert doc["shifts"] == {"fr_day": 4, "es_day": 2} and doc["coverage"][0]["group"] == "es"


@pytest.mark.parametrize("shift_row, words", [
    (["long", "08:00", "25h", 1], "at most 24 hours"),
    (["odd", "08:10", "8h", 1], "multiple"),
    (["bad", "8am", "8h", 1], "time of day"),
    (["neg", "08:00", "8h", -1], "cost"),
])
def test_bad_shifts_are_named(tmp_path, shift_row, words):
    req = write(tmp_path / "r.csv", ["start", "required"], [[f"{h:02d}:00", 1] for h in range(24)])
    shifts = write(tmp_path / "s.csv", ["name", "start", "length", "cost"], [["ok", "00:00", "8h", 1], shift_row])
    result = runner.invoke(app, ["schedule", "--requirements", str(req), "--shifts", str(shifts), "--json"])
    assert result.exit_code == 2 and words in result.stderr and "line 3" in result.stderr and result.stdout == ""


def test_a_shift_for_an_unknown_group_is_named(tmp_path):
    req = write(tmp_path / "r.csv", ["start", "group", "required"], [["08:00", "fr", 1], ["09:00", "fr", 1]])
    shifts = write(tmp_path / "s.csv", ["name", "start", "length", "cost", "group"], [["x", "08:00", "1h", 1, "de"]])
    result = runner.invoke(app, ["schedule", "--requirements", str(req), "--shifts", str(shifts)])
    assert result.exit_code == 2 and "group: 'de'" in result.stderr and "fr" in result.stderr


def test_staffing_output_is_a_requirement_on_the_site_clock(tmp_path):
    """`casashore staff --output` in Paris time during Ramadan 2026 (Casablanca one hour behind): the agents
    (with shrinkage) required at 09:00 Paris are required at 08:00 in Casablanca."""
    cases = write(tmp_path / "cases.csv", ["start", "queue", "calls", "interval", "aht", "target", "service_level",
                                           "shrinkage"],
                  [[f"2026-02-20T{h:02d}:00:00+01:00", "fr", 0 if h < 9 or h > 16 else 60, "1h", 240, 20, 0.8, 0.3]
                   for h in range(24)])
    staffed = tmp_path / "staffed.csv"
    assert runner.invoke(app, ["staff", "--input", str(cases), "--output", str(staffed), "--json"]).exit_code == 0
    shifts = write(tmp_path / "s.csv", ["name", "start", "length", "cost", "group"],
                   [[f"s{h:02d}", f"{h:02d}:00", "1h", 1, "fr"] for h in range(24)])
    doc = schedule("--requirements", str(staffed), "--shifts", str(shifts), "--hard")
    by_start = {row["start"]: row for row in doc["coverage"]}
    with staffed.open() as handle:
        nine_paris = next(r for r in csv.DictReader(handle) if r["start"].startswith("2026-02-20T09:00"))
    assert by_start["2026-02-20T08:00:00"]["required"] == float(nine_paris["agents_with_shrinkage"]) > 0
    assert by_start["2026-02-20T07:00:00"]["required"] == 0


@pytest.mark.parametrize("content, words", [
    (None, "readable CSV"),
    ("start,required\n", "at least one interval"),
    ("start,required\n08:00,x\n", "line 2"),
    ("start,needed\n08:00,1\n", "columns"),
    ("start,required\n08:00,1\n08:20,1\n08:40,1\n09:00,1\n09:07,1\n", "grid"),
])
def test_bad_requirements_are_one_line_errors(tmp_path, content, words):
    req = tmp_path / "r.csv"
    if content is not None:
        req.write_text(content)
    shifts = write(tmp_path / "s.csv", ["name", "start", "length", "cost"], [["a", "08:00", "1h", 1]])
    result = runner.invoke(app, ["schedule", "--requirements", str(req), "--shifts", str(shifts), "--json"])
    assert result.exit_code == 2, result.output
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


def test_a_trilingual_agent_covers_one_requirement_at_a_time(tmp_path):
    """FR 4, ES 2, EN 1 agents from 08:00 to 16:00 with trilingual shifts only: 7 agents, not 4 (counting one
    agent towards every language at once is the error pyworkforce's multi-skill model makes)."""
    rows = [[f"{h:02d}:00", g, n] for h in range(8, 16) for g, n in (("fr", 4), ("es", 2), ("en", 1))]
    req = write(tmp_path / "r.csv", ["start", "group", "required"], rows)
    shifts = write(tmp_path / "s.csv", ["name", "start", "length", "cost", "group"],
                   [["tri", "08:00", "8h", 1, "fr+es+en"]])
    doc = schedule("--requirements", str(req), "--shifts", str(shifts), "--hard")
    assert doc["status"] == "optimal" and doc["shifts"] == {"tri": 7}
    assert all(r["unmet"] == 0 and r["over"] == 0 for r in doc["coverage"])


def test_specialists_and_multi_skilled_agents_in_one_model(tmp_path):
    """FR all day, ES only in the morning, EN only in the afternoon: a bilingual ES+EN agent does both halves,
    so one bilingual 8-hour shift (cost 9) beats two specialist 4-hour shifts (cost 5 each)."""
    rows = [[f"{h:02d}:00", g, n] for h in range(8, 16)
            for g, n in (("fr", 3), ("es", 1 if h < 12 else 0), ("en", 0 if h < 12 else 1))]
    req = write(tmp_path / "r.csv", ["start", "group", "required"], rows)
    shifts = write(tmp_path / "s.csv", ["name", "start", "length", "cost", "group"],
                   [["fr_day", "08:00", "8h", 8, "fr"], ["es_am", "08:00", "4h", 5, "es"],
                    ["en_pm", "12:00", "4h", 5, "en"], ["es_en_day", "08:00", "8h", 9, "es+en"],
                    ["tri_day", "08:00", "8h", 11, "fr+es+en"]])
    doc = schedule("--requirements", str(req), "--shifts", str(shifts), "--hard")
    assert doc["status"] == "optimal" and doc["cost"] == 3 * 8 + 9
    assert doc["shifts"]["es_en_day"] == 1 and doc["shifts"]["es_am"] == 0 == doc["shifts"]["en_pm"]
    # Independent lower bound: with x = (fr_day, es_am, en_pm, es_en_day, tri_day), any schedule needs 4 heads in
    # the morning and 4 in the afternoon, 3 agents able to speak French, one able to speak Spanish in the morning
    # and one able to speak English in the afternoon. The schedule reaching this bound proves it optimal.
    cover = np.array([[1, 1, 0, 1, 1], [1, 0, 1, 1, 1], [1, 0, 0, 0, 1], [0, 1, 0, 1, 1], [0, 0, 1, 1, 1]], float)
    assert doc["cost"] == independent_optimum(cover, np.array([8, 5, 5, 9, 11.0]), np.array([4, 4, 3, 1, 1.0]))
