"""Forecasting many queues in batches (issue 23): the stored forecasts, and the backtests, are the same whatever the
batch size, the number of local worker processes, or a Dask cluster; progress counts every queue; mistakes arrive
as UserErrors from wherever the batch ran."""

from __future__ import annotations

import functools
import json
import logging
from datetime import date

import pytest
from typer.testing import CliRunner

from casashore.domain.units import whole
from casashore.errors import UserError
from casashore.forecast import batch
from casashore.forecast.backtest import backtest
from casashore.forecast.run import forecast_workspace
from casashore.forecast.series import interval_counts
from casashore.interfaces.cli.app import app
from casashore.plan.scenario import PlanQueue
from casashore.plan.synthetic import synthetic_calls
from casashore.workers import run_batches
from casashore.workspace.mapping import CallMapping
from casashore.workspace.store import Workspace
from conftest import workspace_file

QUEUES = 7
"""More than one batch of BATCH_QUEUES (5), so that the queues are split."""
ZONES = (("Europe/Paris", "FR"), ("Europe/Madrid", "ES"), ("Europe/London", "GB"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """Seven queues of five weeks of synthetic calls (a few hundred a week), three zones and countries."""
    folder = tmp_path_factory.mktemp("scale")
    path = folder / "w.duckdb"
    with Workspace.open(path) as opened:
        for i in range(QUEUES):
            zone, country = ZONES[i % len(ZONES)]
            queue = PlanQueue.model_validate({
                "name": f"q{i}", "skill": "s", "aht_s": 200 + 10 * i, "patience_s": 120,
                "client_time_zone": zone, "country": country,
                "synthetic": {"weekly_calls": 300 + 150 * i, "weeks": 5, "open_hours": "08:00-20:00"}})
            csv = synthetic_calls(queue, date(2026, 5, 4), 11, folder / f"q{i}.csv")
            opened.import_calls(csv, mapping=CallMapping.model_validate({
                "time_zone": zone, "country": country,
                "columns": {c: c for c in ("call_id", "queue", "arrival", "wait_s", "outcome", "handle_s")},
                "outcomes": {"answered": ["ANSWERED"], "abandoned": ["ABANDONED"]}}))
    return path


def stored(path, run_id: str) -> list[tuple]:
    con = workspace_file(path)
    rows = con.execute("""SELECT queue, start_at, interval_min, model, calls, calls_lo, calls_hi, aht_s
                          FROM forecasts WHERE run_id = ? ORDER BY queue, start_at""", [run_id]).fetchall()
    con.close()
    return rows


def forecast(path, **where):
    with Workspace.open(path) as opened:
        return forecast_workspace(opened, interval_min=60, horizon_days=3, site_zone="Africa/Casablanca", **where)


@pytest.fixture(scope="module")
def local(workspace):
    """The run in this process, batch after batch, with the progress it reported."""
    done = []
    run = forecast(workspace, workers=1, progress=done.append)
    return run, done


def test_progress_counts_every_queue_batch_by_batch(local):
    run, done = local
    assert done == [5, 2] and sum(done) == QUEUES == len(run.models)
    assert list(run.models) == sorted(run.models)


def test_batch_size_does_not_change_a_figure(workspace, local, monkeypatch):
    """One queue per batch or all in one: each queue's series is fitted alone, so every stored row is the same."""
    for size in (1, QUEUES):
        monkeypatch.setattr(batch, "BATCH_QUEUES", size)
        again = forecast(workspace, workers=1)
        assert again.models == local[0].models and again.intervals == local[0].intervals
        assert stored(workspace, again.run_id) == stored(workspace, local[0].run_id)


def test_two_local_worker_processes_store_the_same_forecasts(workspace, local):
    done = []
    shared = forecast(workspace, workers=2, progress=done.append)
    assert sorted(done) == [2, 5]
    assert shared.models == local[0].models and shared.intervals == local[0].intervals
    assert stored(workspace, shared.run_id) == stored(workspace, local[0].run_id)


def test_a_dask_cluster_stores_the_same_forecasts(workspace, local):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster:
        on_dask = forecast(workspace, scheduler=cluster.scheduler_address)
        result = CliRunner().invoke(app, ["forecast", "--workspace", str(workspace), "--interval", "1h",
                                          "--horizon", "3d", "--scheduler", cluster.scheduler_address, "--json"])
    assert on_dask.models == local[0].models and on_dask.intervals == local[0].intervals
    assert stored(workspace, on_dask.run_id) == stored(workspace, local[0].run_id)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("{") and result.stderr == ""  # no progress in --json output


@pytest.mark.parametrize("args, field", [(["--workers", "0"], "workers"),
                                         (["--scheduler", "tcp://127.0.0.1:9"], "scheduler")])
def test_forecast_where_to_run_user_errors(workspace, args, field):
    result = CliRunner().invoke(app, ["forecast", "--workspace", str(workspace), "--interval", "1h", *args,
                                      "--json"])
    assert result.exit_code == 2, result.output
    assert field in result.stderr and result.stdout == ""


def test_a_user_error_in_a_worker_process_arrives_whole():
    with pytest.raises(UserError) as raised:
        run_batches(functools.partial(whole, "workers", low=1), ["3", "-1"], workers=2)
    assert raised.value.field == "workers" and raised.value.value == "-1"
    assert str(raised.value) == str(UserError("workers", "-1", raised.value.expected))


def backtest_json(workspace, *where: str) -> str:
    result = CliRunner().invoke(app, ["backtest", "--workspace", str(workspace), "--interval", "1h", *where, "--json"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no progress in --json output
    return result.stdout


def test_the_backtest_in_batches_scores_every_queue_as_one_run_does(workspace, monkeypatch):
    """Batches of 5, of 1 and the whole workspace in one backtest (the command before batches): the same scores
    and tables, and progress a batch at a time."""
    with Workspace.open(workspace, read_only=True) as opened:
        series = interval_counts(opened, 60)
    whole_tables: dict = {}
    whole_run = backtest(series, 60, forecasts=whole_tables)
    for size, reported in ((batch.BATCH_QUEUES, [5, 2]), (1, [1] * QUEUES)):
        monkeypatch.setattr(batch, "BATCH_QUEUES", size)
        done, tables = [], {}
        assert batch.backtest_all(series, 60, horizon_days=7, windows=2, tables=tables, workers=1,
                                  progress=done.append) == whole_run
        assert done == reported and list(tables) == list(whole_tables)
        for queue, table in tables.items():
            assert table.equals(whole_tables[queue])


def test_the_backtest_on_local_workers_and_on_a_dask_cluster_prints_the_same_json(workspace):
    distributed = pytest.importorskip("dask.distributed")
    here = backtest_json(workspace, "--workers", "1")
    assert backtest_json(workspace, "--workers", "2") == here
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster:
        assert backtest_json(workspace, "--scheduler", cluster.scheduler_address) == here
    assert sorted(json.loads(here)["queues"]) == [f"q{i}" for i in range(QUEUES)]


@pytest.mark.parametrize("args, field", [(["--workers", "0"], "workers"),
                                         (["--scheduler", "tcp://127.0.0.1:9"], "scheduler")])
def test_backtest_where_to_run_user_errors(workspace, args, field):
    result = CliRunner().invoke(app, ["backtest", "--workspace", str(workspace), "--interval", "1h", *args, "--json"])
    assert result.exit_code == 2, result.output
    assert field in result.stderr and result.stdout == ""
