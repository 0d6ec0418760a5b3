"""Issue 16's extreme numbers, as regression tests: every numeric input has a domain (docs/capacity.md,
"Domains"); outside it the command exits 2 with one line naming the field — never a search that runs for ever,
an invalid count, Infinity in JSON, a traceback or a numpy warning."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from casashore.domain.units import capacity_bps, duration_s
from casashore.errors import UserError
from casashore.interfaces.cli.app import app
from casashore.queueing.erlang_b import erlang_b, erlang_b_servers, erlang_b_traffic
from casashore.queueing.staffing import queue_measures, required_agents
from casashore.telecom.bandwidth import call_bandwidth


def run(*args):
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize("args, field", [
    (["trunks", "--traffic", "1e16", "--blocking", "1%"], "traffic"),
    (["trunks", "--traffic", "1e18", "--blocking", "1%"], "traffic"),
    (["trunks", "--traffic", "1e308", "--blocking", "1%"], "traffic"),
    (["trunks", "--servers", "1e308", "--blocking", "1%"], "servers"),
    (["trunks", "--servers", "12", "--traffic", "1e17"], "traffic"),
    (["staff", "--calls", "1e18", "--aht", "180", "--service-level", "0.8"], "traffic"),
    (["staff", "--calls", "100", "--aht", "1e18", "--service-level", "0.8"], "aht"),
    (["staff", "--calls", "100", "--aht", "180", "--agents", "1e300"], "agents"),
    (["staff", "--calls", "100", "--aht", "180", "--patience", "1e300", "--service-level", "0.8"], "patience"),
    (["link", "--ptime", "inf"], "ptime"),
    (["link", "--ptime", "nan"], "ptime"),
    (["link", "--ptime", "1e300"], "ptime"),
    (["link", "--capacity", "1e309"], "capacity"),
    (["simulate", "--calls", "100", "--interval", "1e-308", "--aht", "180", "--agents", "12"], "interval"),
    (["simulate", "--calls", "0", "--aht", "180", "--agents", "12", "--intervals", "1e15"], "intervals"),
    (["simulate", "--calls", "1", "--aht", "180", "--agents", "12", "--replications", "1e12"], "replications"),
])
def test_out_of_domain_inputs_are_one_line_and_exit_2(args, field):
    result = run(*args, "--json")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}"), result.stderr
    assert "Warning" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("args", [
    ["trunks", "--traffic", "1e6", "--blocking", "1e-300"],
    ["trunks", "--servers", "1e7", "--blocking", "0.01"],
    ["staff", "--calls", "1", "--aht", "1e7", "--interval", "1e7", "--patience", "1ms", "--service-level", "0.99"],
    ["staff", "--calls", "1e7", "--aht", "1", "--interval", "10", "--agents", "1e6", "--patience", "1ms"],
])
def test_the_edges_of_the_domains_answer_with_finite_numbers(args):
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert all(np.isfinite(v) for v in doc.values() if isinstance(v, float))
    assert doc.get("servers", doc.get("agents", 0)) >= 0
    assert "Warning" not in result.stderr


def test_the_library_entry_points_refuse_out_of_domain_values():
    for call in (lambda: erlang_b_servers(np.array([10.0, 1e16]), 0.01),
                 lambda: erlang_b_traffic(np.array([1e308]), 0.01),
                 lambda: erlang_b(np.array([5.0]), np.array([np.nan])),
                 lambda: required_agents(2e6, 180.0, service_level=0.8),
                 lambda: required_agents(10.0, 1e18, service_level=0.8),
                 lambda: queue_measures(1e300, 10.0, 180.0, 20.0)):
        with pytest.raises(UserError):
            call()
    with pytest.raises(ValueError, match="ptime"):
        call_bandwidth("G.711", float("inf"))
    with pytest.raises(UserError):
        capacity_bps("capacity", "1e309")
    with pytest.raises(UserError):
        duration_s("aht", "1e-308")
    assert duration_s("patience", "inf", allow_inf=True) == float("inf")
