"""casashore plan end to end on a small scenario: the steps, their reuse, the report, the sizing's arithmetic."""

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from casashore.plan.scenario import PlanQueue
from casashore.plan.synthetic import synthetic_calls

runner = CliRunner()

SCENARIO = """
[site]
name = "Test site"
seats = {seats}
floor_m2_per_seat = 6
cost_per_agent_hour = 50
shrinkage = 0.1

[link]
capacity = "100M"
codec = "G.729"

[plan]
start = 2026-03-02
days = 2
interval_min = 30
replications = 4
seed = 3
schedule_time_limit_s = 10

[rules]
opening_hours = "daily 07:00-22:00"

[[queues]]
name = "fr"
skill = "fr"
client_time_zone = "Europe/Paris"
country = "FR"
aht_s = 240
patience_s = 120
synthetic = {{ weekly_calls = 4000, weeks = 5 }}

[[shifts]]
name = "early"
start = "07:00"
length = "8h"
cost = 8
group = "fr"
breaks = "1h@3h-4h"

[[shifts]]
name = "late"
start = "12:00"
length = "8h"
cost = 8
group = "fr"
breaks = "1h@3h-4h"
"""


def plan(tmp_path, *extra, seats=60, text=None):
    scenario = tmp_path / "site.toml"
    scenario.write_text(text or SCENARIO.format(seats=seats))
    report = tmp_path / "report.html"
    result = runner.invoke(app, ["plan", str(scenario), "--workspace", str(tmp_path / "ws.duckdb"), "--report",
                                 str(report), "--json", *extra])
    return result, report


def test_plan_end_to_end_and_steps_read_back(tmp_path):
    result, report = plan(tmp_path)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["reused_steps"] == []
    sizing, schedule = doc["sizing"], doc["schedule"]
    assert sizing["seats_at_peak"] == max(schedule["on_shift_total"]) > 0
    assert sizing["floor_m2"] == 6 * sizing["seats_at_peak"]
    assert sizing["phone_lines"] >= sizing["busy_line_erlangs"]
    assert sizing["link_share"] == pytest.approx(sizing["busy_bandwidth_bps"] / (100e6 * 0.8))
    assert sizing["labour_cost"] == pytest.approx(50 * sizing["paid_hours"])
    (queue,) = doc["simulation"]["queues"]
    assert 0.5 < queue["service_level"] <= 1 and queue["offered"] > 0
    required = doc["staffing"]["required"]["fr"]["with_shrinkage"]
    assert all(s >= r - 1e-9 for s, r in zip(schedule["scheduled"]["fr"], required, strict=True)
               if r > 0) or schedule["status"] != "optimal"
    page = report.read_text()
    assert "Plotly.newPlot" in page and "<script src=" not in page and "Test site" in page  # offline
    again, _ = plan(tmp_path)
    assert json.loads(again.stdout)["reused_steps"] == ["forecast", "staffing", "schedule", "simulation"]


def test_french_report_uses_french_labels_and_numbers(tmp_path):
    result, report = plan(tmp_path, "--lang", "fr")
    assert result.exit_code == 0, result.output
    page = report.read_text()
    assert "Synthèse" in page and "Positions à la pointe" in page and "lang='fr'" in page


@pytest.mark.parametrize("edit, words", [
    (lambda s: s.replace("seats = 60", "seats = 0"), "site.seats"),
    (lambda s: s.replace('codec = "G.729"', 'codec = "G.729"\nspeed = 3'), "link.speed"),
    (lambda s: s.replace('group = "fr"\nbreaks = "1h@3h-4h"\n\n[[shifts]]', 'group = "de"\nbreaks = "1h@3h-4h"\n\n'
                         '[[shifts]]'), "shifts[0].group"),
    (lambda s: s.replace('client_time_zone = "Europe/Paris"', 'client_time_zone = "Europe/Pariss"'),
     "client_time_zone"),
])
def test_bad_scenarios_are_named_and_write_nothing(tmp_path, edit, words):
    result, report = plan(tmp_path, text=edit(SCENARIO.format(seats=60)))
    assert result.exit_code == 2 and words in result.stderr and result.stdout == ""
    assert not report.exists() and not (tmp_path / "ws.duckdb").exists()


def test_synthetic_history_is_reproducible(tmp_path):
    queue = PlanQueue(name="fr", skill="fr", client_time_zone="Europe/Paris", country="FR", aht_s=240,
                      patience_s=120, synthetic={"weekly_calls": 2000, "weeks": 5})
    a = synthetic_calls(queue, date(2026, 3, 2), 1, tmp_path / "a.csv").read_bytes()
    b = synthetic_calls(queue, date(2026, 3, 2), 1, tmp_path / "b.csv").read_bytes()
    c = synthetic_calls(queue, date(2026, 3, 2), 2, tmp_path / "c.csv").read_bytes()
    assert a == b and a != c
    rows = a.decode().splitlines()[1:]
    weekly = len(rows) / 5
    assert 0.85 * 2000 < weekly < 1.15 * 2000  # the documented weekly volume (holidays and day noise aside)


def test_queues_sharing_a_skill_are_pooled_for_staffing_but_keep_their_own_volumes(tmp_path):
    """Two French queues of 30 and 10 calls an interval: staffed as one pool of 40, simulated each with its own
    volume (not half the pool each)."""
    import tomllib

    from casashore.plan.pipeline import staffing_step
    from casashore.plan.result import Forecast, ForecastInterval
    from casashore.plan.scenario import plan_scenario_from_dict

    data = tomllib.loads(SCENARIO.format(seats=60))
    data["queues"].append({**data["queues"][0], "name": "fr-small", "aht_s": 120})
    scenario = plan_scenario_from_dict(data)
    rows = [ForecastInterval(queue=q, start=f"2026-03-02T{h:02d}:00:00+01:00", site_start=f"2026-03-02T{h:02d}:00:00",
                             interval_min=60, model="test", calls=c, calls_lo_80=c, calls_hi_80=c, calls_lo_95=c,
                             calls_hi_95=c, aht_s=a, holiday=None)
            for h in range(9, 12) for q, c, a in (("fr", 30.0, 240.0), ("fr-small", 10.0, 120.0))]
    staffing = staffing_step(scenario, Forecast(models={}, intervals=rows)).to_json()
    nine = staffing["starts"].index("2026-03-02T09:00:00")
    assert staffing["required"]["fr"]["calls"][nine] == 40
    assert staffing["required"]["fr"]["aht_s"][nine] == pytest.approx((30 * 240 + 10 * 120) / 40)
    assert staffing["queues"]["fr"]["calls"][nine] == 30 and staffing["queues"]["fr"]["aht_s"] == 240
    assert staffing["queues"]["fr-small"]["calls"][nine] == 10 and staffing["queues"]["fr-small"]["aht_s"] == 120


def test_fresh_recomputes_and_the_french_report_is_written_beside_the_english_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "site.toml"
    scenario.write_text(SCENARIO.format(seats=60))
    runs = [runner.invoke(app, ["plan", str(scenario), "--workspace", "ws.duckdb", "--json", *extra])
            for extra in ([], ["--lang", "fr"], ["--fresh"])]
    assert all(r.exit_code == 0 for r in runs), [r.output for r in runs]
    first, french, fresh = (json.loads(r.stdout) for r in runs)
    assert first["report"] == "site-plan.html" and french["report"] == "site-plan.fr.html"
    assert (tmp_path / "site-plan.html").exists() and (tmp_path / "site-plan.fr.html").exists()
    assert french["reused_steps"] == ["forecast", "staffing", "schedule", "simulation"] and fresh["reused_steps"] == []
    assert fresh["schedule"] == first["schedule"] and fresh["verdict"] == first["verdict"]
    starts = {}
    for row in first["schedule"]["counts"]:
        starts[row["day"]] = starts.get(row["day"], 0) + row["agents"]
    sizing = first["sizing"]  # people, not FTE: one shift a day each
    assert sizing["people_at_least"] >= max(max(starts.values()), sizing["jobs"], -(-sum(starts.values()) // 6))
    human = runner.invoke(app, ["plan", str(scenario), "--workspace", "ws.duckdb"])
    assert human.exit_code == 0 and "verdict: " in human.stdout and "proven bound" in human.stdout
