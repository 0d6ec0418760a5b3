"""The router's site clock (route/clock.py, `route serve --clock-start --clock-speed`): where it starts, how fast
it runs, its refusals naming the field, and the set-ups it is refused with (SIP at a speed above 1, Redis)."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from casashore.errors import UserError
from casashore.interfaces.cli.app import app
from casashore.route.clock import SiteClock, clock_of, started

CENTRE = "examples/center.toml"


def test_a_site_clock_starts_on_the_sites_clock_and_runs_at_its_speed():
    clock = clock_of("2026-03-02T07:00", "60", "Africa/Casablanca")
    start = datetime(2026, 3, 2, 7, tzinfo=ZoneInfo("Africa/Casablanca")).timestamp()
    assert (clock.start, clock.speed, clock.replay) == (start, 60.0, True)
    assert clock_of("2026-03-02T07:00+01:00", None, "Africa/Casablanca").start == start - 3600
    running = SiteClock(start, 60.0, _origin=time.monotonic() - 10.0)  # started 10 real seconds ago
    assert running() >= start + 600.0                                   # 10 real seconds are 10 site minutes
    fresh = started(running)
    assert fresh.start == start and start <= fresh() < running()
    assert not SiteClock().replay and abs(SiteClock()() - time.time()) < 60


@pytest.mark.parametrize(("start", "speed", "field"), [
    (None, "0.5", "clock_speed"), (None, "3601", "clock_speed"), (None, "nan", "clock_speed"),
    (None, "fast", "clock_speed"), ("2026-13-01T07:00", None, "clock_start"), ("07:00", None, "clock_start"),
    ("1900-01-01T00:00", None, "clock_start")])
def test_a_wrong_clock_is_refused_naming_its_field(start, speed, field):
    with pytest.raises(UserError) as refused:
        clock_of(start, speed, "Africa/Casablanca")
    assert refused.value.field == field


@pytest.mark.parametrize(("args", "field"), [
    (["--sip", "127.0.0.1:5999", "--clock-speed", "60"], "clock_speed"),
    (["--redis", "redis://127.0.0.1:1", "--clock-start", "2026-03-02T07:00"], "clock_start"),
    (["--clock-speed", "0"], "clock_speed")])
def test_route_serve_refuses_a_site_clock_its_set_up_cannot_follow(args, field):
    result = CliRunner().invoke(app, ["route", "serve", "--config", CENTRE, "--no-records", *args])
    assert result.exit_code == 2 and result.output.startswith(f"error: {field}:"), result.output
