"""Replications on a real dask.distributed cluster give exactly the in-process results for the same seed."""

import json
import logging

import numpy as np
import pytest
from typer.testing import CliRunner

from casashore.interfaces.cli.app import app
from casashore.simulate.replications import DASK_BATCH, run
from simulation_helpers import centre

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as local:
        yield local.scheduler_address


def test_a_thousand_replications_on_two_workers_equal_the_local_run(cluster):
    c = centre([[60.0, 80.0], [30.0, 20.0]], [[6, 7], [3, 3]], patience_s=100.0, priority=[[0, 1], [1, 0]],
               delay_s=[[0.0, 15.0], [0.0, 0.0]])
    on_dask = run(c, 1000, 2026, scheduler=cluster)
    local = run(c, 1000, 2026, workers=1)
    assert on_dask.calls.shape[0] == 1000 > DASK_BATCH
    np.testing.assert_array_equal(on_dask.calls, local.calls)
    np.testing.assert_array_equal(on_dask.agent_time, local.agent_time)
    np.testing.assert_array_equal(on_dask.simulated, local.simulated)


def test_cli_scheduler_option(cluster):
    args = ["simulate", "--calls", "50", "--aht", "180", "--agents", "12", "--patience", "60", "--replications",
            "200", "--seed", "4", "--json"]
    runner = CliRunner()
    remote = json.loads(runner.invoke(app, [*args, "--scheduler", cluster]).stdout)
    here = json.loads(runner.invoke(app, args).stdout)
    for key in ("service_level", "service_level_ci95", "p_abandon", "asa", "calls_simulated"):
        assert remote[key] == here[key]


def test_an_unreachable_scheduler_is_a_user_error():
    result = CliRunner().invoke(app, ["simulate", "--calls", "5", "--aht", "60", "--agents", "2", "--scheduler",
                                      "tcp://127.0.0.1:9", "--json"])
    assert result.exit_code == 2 and "scheduler" in result.stderr
