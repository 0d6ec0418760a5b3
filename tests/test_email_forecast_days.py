"""An email queue's forecast as its planner reads it (issue 21, item 4): per client day, the items, the agent-hours
they bring and the hour-of-day profile, from the per-interval forecast the plan's backlog is fed with; the night's
items carried into the morning's backlog. Checked by hand on four identical weeks of hourly mail."""

import json
from datetime import date, timedelta

import numpy as np
import pytest
from scipy.stats import poisson
from typer.testing import CliRunner

from casashore.forecast.email_days import email_days
from casashore.interfaces.cli.app import app
from casashore.queueing.email_backlog import email_backlog
from conftest import write_csv

runner = CliRunner()
DAY = [10.0 if 8 <= h < 18 else 2.0 for h in range(24)]  # 10 an hour in office hours, 2 at night: 128 a day


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """28 days of hourly reports imported: an email queue and a voice queue alike."""
    tmp = tmp_path_factory.mktemp("email")
    mapping = tmp / "r.toml"
    mapping.write_text('kind = "intervals"\ntime_zone = "Europe/Paris"\ninterval_min = 60\n[columns]\nqueue = "q"\n'
                       'start = "s"\noffered = "n"\nanswered = "n"\naht_s = "aht"\nchannel = "c"\n')
    first = date(2026, 4, 6)  # a Monday, after the spring change, before any French holiday but Easter Monday's
    rows = [[queue, f"{first + timedelta(d)} {h:02d}:00", str(int(DAY[h])), "360", channel]
            for d in range(28) for h in range(24) for queue, channel in (("mail", "email"), ("phone", "voice"))]
    report = write_csv(tmp / "r.csv", ["q", "s", "n", "aht", "c"], rows)
    workspace = str(tmp / "w.duckdb")
    done = runner.invoke(app, ["import", str(report), "--mapping", str(mapping), "--workspace", workspace, "--json"])
    assert done.exit_code == 0, done.output
    return workspace


@pytest.fixture(scope="module")
def forecast(workspace):
    """`casashore forecast --json` over the workspace's two queues."""
    made = runner.invoke(app, ["forecast", "--workspace", workspace, "--interval", "60m", "--horizon", "3d", "--json"])
    assert made.exit_code == 0, made.output
    return json.loads(made.stdout)


def test_the_forecast_table_counts_an_email_queue_s_items_not_calls(workspace, forecast):
    both = runner.invoke(app, ["forecast", "--workspace", workspace, "--interval", "60m", "--horizon", "3d"],
                         env={"COLUMNS": "200"})
    assert both.exit_code == 0, both.output
    table = both.stdout.split("Email items per client day")[0]
    rows = {line.split("│")[1].strip(): line for line in table.splitlines() if line.count("│") > 3}
    assert "contacts" in table and "peak calls" not in table  # two channels: each row says its unit
    items = sum(r["calls"] for r in forecast["intervals"] if r["queue"] == "mail")
    assert f"{items:,.0f} items" in rows["mail"] and "email" in rows["mail"] and "calls" not in rows["mail"]
    assert "calls" in rows["phone"] and "voice" in rows["phone"] and "items" not in rows["phone"]
    mail = runner.invoke(app, ["forecast", "--workspace", workspace, "--interval", "60m", "--horizon", "3d",
                               "--queue", "mail"], env={"COLUMNS": "200"})
    assert mail.exit_code == 0 and "peak items (80 % range)" in mail.stdout, mail.output
    assert "calls" not in mail.stdout.split("Email items per client day")[0], mail.stdout


def test_an_email_queue_is_forecast_per_day_with_its_hour_of_day_profile(forecast):
    days = forecast["email_days"]
    assert [(d["queue"], d["date"]) for d in days] == [("mail", "2026-05-04"), ("mail", "2026-05-05"),
                                                       ("mail", "2026-05-06")]  # the voice queue has none
    for day in days:
        mine = [r for r in forecast["intervals"] if r["queue"] == "mail" and r["start"].startswith(day["date"])]
        assert len(mine) == 24 and day["items"] == pytest.approx(sum(r["calls"] for r in mine), rel=1e-12)
        assert day["items"] == pytest.approx(128, rel=1e-3)  # four identical weeks: every model says 128
        assert day["hour_shares"] == pytest.approx([n / 128 for n in DAY], abs=1e-3)
        assert day["peak_hour"] == 8 and sum(day["hour_shares"]) == pytest.approx(1, abs=1e-5)
        assert day["workload_h"] == pytest.approx(128 * 360 / 3600, rel=1e-3)  # 12.8 agent-hours
        assert day["items_lo_95"] <= day["items_lo_80"] <= day["items"] <= day["items_hi_80"] <= day["items_hi_95"]
        # the chosen model has no bands of its own: Poisson ones per interval, so the day's is Poisson(128)'s
        assert forecast["models"]["mail"] in ("WeeklyAverage", "DailyETS")
        assert (day["items_lo_80"], day["items_hi_80"]) == (poisson.ppf(0.1, day["items"]),
                                                              poisson.ppf(0.9, day["items"])) == (114, 143)


def test_the_day_s_items_go_into_the_backlog_the_plan_carries(forecast):
    """The per-interval forecast is what plan/channels.py gives the email backlog: the night's items wait for the
    morning (2 an hour from midnight: 16 at 08:00), office hours clear them, the evening's wait again (12 at 24:00)."""
    first = [r["calls"] for r in forecast["intervals"] if r["queue"] == "mail"][:24]
    agents = np.array([2.0 if 8 <= h < 18 else 0.0 for h in range(24)])  # 24 items an hour each while open
    backlog = email_backlog(first, agents, 3600.0, 360.0, 86400.0).backlog
    assert backlog[8] == pytest.approx(16, rel=1e-3) and backlog[18] == pytest.approx(0, abs=1e-6)
    assert backlog[24] == pytest.approx(12, rel=1e-3)


def test_a_model_s_own_bands_are_added_up_over_the_day():
    """Bands that are not Poisson's (a model's own, such as SeasonalNaive's) add up: a busy day is busy all day."""
    rows = [{"queue": "m", "start": f"2026-05-04T{h:02d}:00:00+02:00", "interval_min": 60, "calls": 5.0,
             "aht_s": 300, "calls_lo_80": 3.0, "calls_hi_80": 7.5, "calls_lo_95": 1.0, "calls_hi_95": 9.0}
            for h in range(24)]
    (day,) = email_days(rows)
    assert (day["items"], day["items_lo_80"], day["items_hi_80"], day["items_lo_95"], day["items_hi_95"]) == (
        120, 72, 180, 24, 216)


def test_an_interval_longer_than_an_hour_is_spread_over_its_hours():
    rows = [{"queue": "m", "start": "2026-05-04T00:00:00+02:00", "interval_min": 720, "calls": 120.0, "aht_s": 300,
             **{f"calls_{b}": 120.0 for b in ("lo_80", "hi_80", "lo_95", "hi_95")}},
            {"queue": "m", "start": "2026-05-04T12:00:00+02:00", "interval_min": 720, "calls": 0.0, "aht_s": None,
             **{f"calls_{b}": 0.0 for b in ("lo_80", "hi_80", "lo_95", "hi_95")}}]
    (day,) = email_days(rows)
    assert day["hour_shares"] == pytest.approx([1 / 12] * 12 + [0] * 12, abs=1e-6)  # 120 items evenly over 00-12
    assert day["workload_h"] == 10.0 and day["items"] == 120.0


def test_the_backtest_plot_counts_an_email_queue_s_items(workspace, tmp_path):
    """The plot names each queue's contacts in its channel's word, and the queues together as contacts."""
    backtest = tmp_path / "backtest.html"
    done = runner.invoke(app, ["backtest", "--workspace", workspace, "--interval", "60m", "--horizon", "3d",
                               "--windows", "1", "--plot", str(backtest)])
    assert done.exit_code == 0, done.output
    drawn = backtest.read_text()
    assert "mail (items)" in drawn and "phone (calls)" in drawn and "forecast vs actual contacts" in drawn
