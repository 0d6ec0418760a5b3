"""A forecast of every queue is not blocked by one queue's short history, and a weekday-only queue's closed
weekends count as its history (docs/history.md, "Forecast")."""

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from casashore.workspace.store import Workspace

runner = CliRunner()
MONDAY = date(2026, 1, 5)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """Four weeks (Monday 5 January to Sunday 1 February) of hourly reports in one file: `fr` (voice) every day,
    `fr-chat` on weekdays only (no row at the weekends), `new-chat` opened on Tuesday 13 January (20 days),
    `gone` (voice) closed after Friday 16 January (16 days of records, then two weeks of silence)."""
    tmp = tmp_path_factory.mktemp("skipped")
    rows = [["q", "s", "n", "aht", "c"]]
    for d in range(28):
        day = MONDAY + timedelta(d)
        for h in range(24):
            at = f"{day} {h:02d}:00"
            rows.append(["fr", at, str(5 + 20 * (8 <= h < 18)), "300", "voice"])
            if 8 <= h < 18:
                if day.weekday() < 5:
                    rows.append(["fr-chat", at, str(10 + h % 3), "400", "chat"])
                if d >= 8:
                    rows.append(["new-chat", at, "4", "400", "chat"])
                if d < 12 and day.weekday() < 5:
                    rows.append(["gone", at, "3", "300", "voice"])
    report = tmp / "r.csv"
    with report.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    mapping = tmp / "r.toml"
    mapping.write_text('kind = "intervals"\ntime_zone = "Europe/Paris"\ninterval_min = 60\n'
                       'timestamp_format = "%Y-%m-%d %H:%M"\n[columns]\nqueue = "q"\nstart = "s"\noffered = "n"\n'
                       'answered = "n"\naht_s = "aht"\nchannel = "c"\n')
    path = tmp / "h.duckdb"
    done = runner.invoke(app, ["import", str(report), "--mapping", str(mapping), "--workspace", str(path)])
    assert done.exit_code == 0, done.output
    return path


def _days(path: Path, queues: list[str] | None = None) -> dict[str, tuple[str, str, int]]:
    with Workspace.open(path, read_only=True) as opened:
        frame = opened.counts_per_interval(60, queues)
    spans = frame.groupby("unique_id")["ds"].agg(["min", "max", "count"])
    return {q: (str(r["min"].date()), str(r["max"].date()), int(r["count"]) // 24) for q, r in spans.iterrows()}


def test_a_weekday_queue_s_closed_weekend_is_history_up_to_where_its_file_ends(workspace):
    """Four full weeks of a weekday-only queue are 28 days, the last weekend's zeros included (its file reaches
    Sunday through the voice queue), asked alone or with the others; a queue silent for two weeks before the file
    ends is not stretched over them (EDGE_DAYS), nor is a queue opened late stretched back."""
    spans = _days(workspace)
    assert spans["fr"] == ("2026-01-05", "2026-02-01", 28)
    assert spans["fr-chat"] == ("2026-01-05", "2026-02-01", 28)
    assert _days(workspace, ["fr-chat"]) == {"fr-chat": spans["fr-chat"]}
    assert spans["new-chat"] == ("2026-01-13", "2026-02-01", 20)
    assert spans["gone"] == ("2026-01-05", "2026-01-16", 12)


def test_the_other_queues_are_forecast_and_the_short_ones_named_with_why(workspace):
    result = runner.invoke(app, ["forecast", "--workspace", str(workspace), "--interval", "1h", "--horizon", "7d",
                                 "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert sorted(doc["models"]) == ["fr", "fr-chat"]
    assert {r["queue"] for r in doc["intervals"]} == {"fr", "fr-chat"}
    assert [(s["queue"], s["reason"]) for s in doc["skipped"]] == [("gone", "short_history"),
                                                                  ("new-chat", "short_history")]
    assert doc["skipped"][1]["why"] == ("20 days of history (2026-01-13 to 2026-02-01); a forecast needs at least "
                                        "28 days for 2 windows of 7 days after two weeks of training")
    chat = [r for r in doc["intervals"] if r["queue"] == "fr-chat"]
    weekend = [r["calls"] for r in chat if date.fromisoformat(r["start"][:10]).weekday() >= 5]
    assert len(weekend) == 48 and max(weekend) < 0.5  # the closed weekend learnt as one



def test_a_short_queue_asked_for_by_name_is_refused(workspace):
    result = runner.invoke(app, ["forecast", "--workspace", str(workspace), "--interval", "1h", "--horizon", "7d",
                                 "--queue", "new-chat", "--queue", "fr"])
    assert result.exit_code == 2
    assert result.output.strip() == ("error: history: '20 days of new-chat' is not valid; expected at least 28 days "
                                     "for 2 windows of 7 days after two weeks of training")


def test_a_backtest_of_every_queue_skips_the_short_ones_with_why(workspace):
    """`casashore backtest` goes on with the queues that have the history, as `forecast` does; named, a short
    queue is refused."""
    result = runner.invoke(app, ["backtest", "--workspace", str(workspace), "--interval", "1h", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert sorted(doc["queues"]) == ["fr", "fr-chat"]
    assert [(s["queue"], s["reason"]) for s in doc["skipped"]] == [("gone", "short_history"),
                                                                  ("new-chat", "short_history")]
    assert doc["skipped"][1]["why"] == ("20 days of history (2026-01-13 to 2026-02-01); a backtest needs at least "
                                        "28 days for 2 windows of 7 days after two weeks of training")
    named = runner.invoke(app, ["backtest", "--workspace", str(workspace), "--interval", "1h", "--queue",
                                "new-chat"])
    assert named.exit_code == 2 and "'20 days of new-chat' is not valid" in named.output


def test_a_plan_covering_a_short_queue_is_refused_naming_it_its_days_and_what_to_do(tmp_path):
    """A plan cannot leave out a queue it must staff: its forecast refuses, before any model is fitted, naming
    the short queue, the days it has and needs, and what to do. Here a chat queue of 20 days' call records beside
    a voice queue of five synthetic weeks."""
    import tomllib

    from casashore.errors import Refused
    from casashore.plan.pipeline import forecast_step, history_step
    from casashore.plan.scenario import plan_scenario_from_dict
    from casashore.workspace.mapping import CallMapping

    data = tomllib.loads((Path(__file__).parent.parent / "examples" / "casablanca-channels.toml").read_text())
    voice, chat = data["queues"][0], data["queues"][1]
    voice["synthetic"] |= {"weekly_calls": 300}
    del chat["synthetic"]
    chat["history"] = "workspace"
    data["queues"], data["shift_patterns"] = [voice, chat], data["shift_patterns"][:4]
    scenario = plan_scenario_from_dict(data)
    rows = [["call_id", "queue", "arrival", "wait_s", "outcome", "handle_s", "channel"]]
    for d in range(20):  # 2026-11-17 to 2026-12-06, the day before the plan
        day = date(2026, 11, 17) + timedelta(d)
        rows += [[f"c{d}-{h}", "fr-chat", f"{day} {h:02d}:10:00", "5", "ANSWERED", "400", "chat"]
                 for h in range(9, 19)]
    calls = tmp_path / "chat.csv"
    with calls.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    mapping = CallMapping.model_validate({
        "time_zone": "Europe/Paris", "country": "FR", "columns": {name: name for name in rows[0]},
        "outcomes": {"answered": ["ANSWERED"], "abandoned": ["ABANDONED"]}})
    with Workspace.open(tmp_path / "w.duckdb") as opened:
        opened.import_calls(calls, mapping=mapping)
        history_step(opened, scenario, tmp_path / "history")
        with pytest.raises(Refused) as error:
            forecast_step(opened, scenario)
    assert error.value.field == "queues[1].history" and error.value.value == "fr-chat"
    assert str(error.value) == (
        "queues[1].history: queue 'fr-chat' has 20 days of history (2026-11-17 to 2026-12-06); a forecast needs at "
        "least 28 days for 2 windows of 7 days after two weeks of training. A plan forecasts every queue it covers: "
        "import more of its history (casashore import), give it history = \"synthetic\", or plan without it")
