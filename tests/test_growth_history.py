"""Growth from the workspace's records: the trend (Theil-Sen on whole months, hand-solved), the refusal with too
few months, and past months read from the records and marked actual (hand-counted)."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casashore.errors import UserError
from casashore.interfaces.cli.app import app
from casashore.usecases.growth import run_documents
from conftest import write_csv
from growth_scenarios import SMALL_PARK

runner = CliRunner()
MAPPING = """
time_zone = "Europe/Paris"
timestamp_format = "%Y-%m-%d %H:%M:%S"
[columns]
call_id = "id"
queue = "queue"
arrived = "arrived"
wait_s = "wait"
outcome = "result"
handle_s = "talk"
[outcomes]
answered = ["ANSWERED"]
abandoned = ["ABANDONED"]
""".replace("arrived = ", "arrival = ")


def days(first: date, last: date):
    while first <= last:
        yield first
        first += timedelta(days=1)


def workspace_with(tmp_path: Path, rows: list[list[str]]) -> Path:
    mapping = tmp_path / "acd.toml"
    mapping.write_text(MAPPING)
    log = write_csv(tmp_path / "log.csv", ["id", "queue", "arrived", "wait", "result", "talk"], rows)
    workspace = tmp_path / "w.duckdb"
    result = runner.invoke(app, ["import", str(log), "--mapping", str(mapping), "--workspace", str(workspace)])
    assert result.exit_code == 0, result.output
    return workspace


def per_day(queue: str, spans: list[tuple[date, date, int]]) -> list[list[str]]:
    """``count`` answered calls every day of each span, from 10:00, 10 s apart."""
    rows = []
    for first, last, count in spans:
        for day in days(first, last):
            for k in range(count):
                at = f"{day} 10:{k // 6:02d}:{k % 6 * 10:02d}"
                rows.append([f"{queue}-{day}-{k}", queue, at, "5", "ANSWERED", "300"])
    return rows


def scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hist.toml"
    path.write_text(text, encoding="utf-8")
    return path


HISTORY_BANK = SMALL_PARK.replace('trend_yearly = 0.1\n', 'trend = "history"\nhistory_queues = ["bank-hist"]\n')


def test_trend_from_records_is_theil_sen_on_whole_months(tmp_path):
    """10 calls a day January-March 2026, 11 a day April-June; the partial months around them (December from
    the 17th, July to the 10th) at 50 a day are left out. Theil-Sen on y = log(calls a day), x = 0..5: of the 15
    pairs, 6 have slope 0 and 9 slope log(1.1) / {1, 2, 2, 3, 3, 3, 4, 4, 5}; the median (8th) is log(1.1) / 4,
    a trend of 1.1^3 - 1 a year. Intercept: median of y - b x = log 10 - b / 2; residuals b x {1/2, -1/2, -3/2,
    3/2, 1/2, -1/2}: standard error b sqrt(5.5 / 4 / 17.5)."""
    rows = per_day("bank-hist", [(date(2025, 12, 17), date(2025, 12, 31), 50), (date(2026, 1, 1),
                                 date(2026, 3, 31), 10), (date(2026, 4, 1), date(2026, 6, 30), 11),
                                 (date(2026, 7, 1), date(2026, 7, 10), 50)])
    workspace = workspace_with(tmp_path, rows)
    result = runner.invoke(app, ["growth", str(scenario(tmp_path, HISTORY_BANK)), "--workspace", str(workspace),
                                 "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)["scenarios"][0]
    (fit,) = doc["trends"]
    b = math.log(1.1) / 4
    assert fit["queue"] == "bank-fr" and fit["history_queues"] == ["bank-hist"]
    assert fit["months_used"] == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert fit["slope_per_month"] == pytest.approx(b, abs=1e-6)
    assert fit["trend_yearly"] == pytest.approx(1.1 ** 3 - 1, abs=1e-6)
    assert fit["slope_se"] == pytest.approx(b * math.sqrt(5.5 / 4 / 17.5), abs=1e-6)
    assert fit["trend_yearly_se"] == pytest.approx(12 * 1.1 ** 3 * b * math.sqrt(5.5 / 4 / 17.5), abs=1e-5)
    bank = next(q for q in doc["demand"] if q["queue"] == "bank-fr")
    for k, row in enumerate(bank["months"]):  # the fitted trend drives the volumes as a given one would
        assert row["contacts"] == pytest.approx(20000 * 1.331 ** (k / 12), rel=1e-6)


def test_one_odd_month_does_not_bend_the_trend(tmp_path):
    """Eight months at 20 calls a day, one of them (a storm) at 200: 21 of the 28 pairs have slope 0, so the
    median is 0, where least squares on the logs would find a trend."""
    spans = [(date(2026, m, 1), date(2026, m + 1, 1) - timedelta(days=1), 200 if m == 5 else 20)
             for m in range(1, 9)]
    workspace = workspace_with(tmp_path, per_day("bank-hist", spans))
    result = runner.invoke(app, ["growth", str(scenario(tmp_path, HISTORY_BANK)), "--workspace", str(workspace),
                                 "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    (fit,) = json.loads(result.stdout)["scenarios"][0]["trends"]
    assert len(fit["months_used"]) == 8 and fit["trend_yearly"] == 0 and fit["slope_se"] > 0


def test_too_few_months_is_one_line_naming_the_field(tmp_path):
    spans = [(date(2026, 1, 1), date(2026, 5, 31), 10)]  # five whole months
    workspace = workspace_with(tmp_path, per_day("bank-hist", spans))
    result = runner.invoke(app, ["growth", str(scenario(tmp_path, HISTORY_BANK)), "--workspace", str(workspace)])
    assert result.exit_code == 2 and result.stdout == ""
    line = result.stderr.strip().splitlines()[-1]
    assert "contracts[0].queues[0].trend" in line and "at least 6 whole months" in line and "they hold 5" in line
    unknown = HISTORY_BANK.replace('["bank-hist"]', '["nowhere"]')
    result = runner.invoke(app, ["growth", str(scenario(tmp_path, unknown)), "--workspace", str(workspace)])
    assert result.exit_code == 2 and "history_queues" in result.stderr and "bank-hist" in result.stderr
    result = runner.invoke(app, ["growth", str(scenario(tmp_path, HISTORY_BANK)), "--workspace",
                                 str(tmp_path / "absent.duckdb")])
    assert result.exit_code == 2 and "--workspace" in result.stderr
    both = HISTORY_BANK.replace('trend = "history"', 'trend = "history"\ntrend_yearly = 0.2')
    result = runner.invoke(app, ["growth", str(scenario(tmp_path, both)), "--workspace", str(workspace)])
    assert result.exit_code == 2 and "trend_yearly" in result.stderr


def test_the_api_refuses_what_needs_the_workspace():
    import tomllib

    with pytest.raises(UserError, match="casashore growth --workspace"):
        run_documents([("hist", tomllib.loads(HISTORY_BANK))])


def test_past_months_come_from_the_records_and_are_marked_actual(tmp_path):
    """today = 2027-02: January 2027 of bank-fr is the records': 4 calls a day, 3 answered after 5, 15 and 40 s
    (handle 300 s) and one abandoned after 50 s. Against the 20 s target: 2 of 4 within, 50 %; 124 contacts, 93
    handled, 93 x 300 s = 7.75 billable hours at 150, a penalty of 5000 x 30 points. February stays the plan's."""
    rows = []
    for day in days(date(2027, 1, 1), date(2027, 2, 28)):
        for k, (wait, outcome, talk) in enumerate((("5", "ANSWERED", "300"), ("15", "ANSWERED", "300"),
                                                   ("40", "ANSWERED", "300"), ("50", "ABANDONED", ""))):
            rows.append([f"{day}-{k}", "bank-fr", f"{day} 11:{k:02d}:00", wait, outcome, talk])
    workspace = workspace_with(tmp_path, rows)
    plan = runner.invoke(app, ["growth", str(scenario(tmp_path, SMALL_PARK)), "--json", "--quiet"])
    past = SMALL_PARK.replace('months = 12\n', 'months = 12\ntoday = "2027-02"\n')
    actual = runner.invoke(app, ["growth", str(scenario(tmp_path, past)), "--workspace", str(workspace), "--json",
                                 "--quiet"])
    assert plan.exit_code == 0 and actual.exit_code == 0, actual.output
    before = json.loads(plan.stdout)["scenarios"][0]
    after = json.loads(actual.stdout)["scenarios"][0]
    bank0, bank1 = before["contracts"][0]["months"], after["contracts"][0]["months"]
    january = bank1[0]
    assert january["source"] == "actual" and bank0[0]["source"] == "plan"
    assert (january["contacts"], january["handled"], january["billable_hours"]) == (124, 93, 7.75)
    assert january["service_level"] == 0.5 and january["revenue"] == 150 * 7.75
    assert january["penalty"] == 5000 * 30 and january["bonus"] == 0
    assert january["labour_cost"] == bank0[0]["labour_cost"]  # the workspace holds no payroll
    assert january["margin"] == pytest.approx(150 * 7.75 - 150000 - bank0[0]["labour_cost"], abs=1e-5)
    assert bank1[1:] == bank0[1:] and after["contracts"][1] == before["contracts"][1]
    assert after["summary"][0]["contacts"] == 124 and after["summary"][0]["service_level"] == 0.5
    assert after["today"] == "2027-02"
