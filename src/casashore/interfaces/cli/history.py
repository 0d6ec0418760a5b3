"""`casashore import`, `history`, `backtest` and `forecast`: the workspace's call history in and out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from casashore.errors import MISSING, UserError
from casashore.interfaces.cli.errors import exits_on_user_error
from casashore.interfaces.cli.options import (
    CentreOpt,
    IntervalOpt,
    JsonOpt,
    OutputOpt,
    PlotOpt,
    QueueOpt,
    RecordsOpt,
    SchedulerOpt,
    WorkersOpt,
    WorkspaceOpt,
)
from casashore.interfaces.cli.rendering import (
    CONTACT_WORDS,
    contacts_word,
    counted,
    fmt,
    out,
    print_json,
    progress,
    say_skipped,
    write_csv,
)
from casashore.usecases.output_paths import check_all_writable


def _say_queues(workspace: Path | str, queues: list[str], picked: list[str] | None) -> None:
    out.print(f"queues used from {workspace}: {', '.join(queues) or 'none'}"
              + ("" if picked or len(queues) < 2 else " (pick some with --queue NAME, repeated)"))


@exits_on_user_error
def import_(
    file: Annotated[Path, typer.Argument(help="A call log: CSV or Parquet, one row per call.")],
    format: Annotated[str | None, typer.Option("--format", help="A built-in format: anonymous-bank.")] = None,
    mapping: Annotated[Path | None, typer.Option(help="TOML naming the file's columns, its timestamp format, "
                                                      "time zone and outcome values (see docs/history.md).")] = None,
    workspace: WorkspaceOpt = Path("casashore.duckdb"),
    as_json: JsonOpt = False,
) -> None:
    """Import a call log into the workspace: all of it, or nothing if a row is wrong (the line is named).

    `casashore import data_anonymous_bank_february.txt --format anonymous-bank` loads the 1999 Anonymous Bank
    log (queues PS, PE, NW, NE, IN, TT, in Asia/Jerusalem time). Any other ACD export: `--mapping my_acd.toml`;
    an interval report (calls per queue and interval): a mapping with `kind = "intervals"`.
    Importing the same file again adds nothing; calls already present (same queue and call id) are skipped.
    """
    from casashore.usecases.history import import_log  # DuckDB and pandas: only when the command runs

    result = import_log(file, workspace, format=format, mapping=mapping)
    if as_json:
        print_json({"file": str(file), "workspace": str(workspace), **result._asdict()})
    elif result.already_imported:
        out.print(f"{file} was already imported into {workspace}: nothing added.")
    else:
        channels = {queue: result.channels.get(queue, "voice") for queue in result.queues}
        given = ", ".join(f"{queue}: {channel}" for queue, channel in channels.items())
        word = contacts_word(channels.values()) if channels else "calls"  # an email log's are items
        out.print(f"{counted(result.calls_added, word)} added to {workspace} (queues and their channels: {given}).")


@exits_on_user_error
def history(
    workspace: WorkspaceOpt = Path("casashore.duckdb"),
    interval: Annotated[str, typer.Option(help="Interval length: 15m, 30m or 1h.")] = "15m",
    target: Annotated[str, typer.Option(help="Service-level answer time of voice and chat.")] = "20s",
    deadline: Annotated[str | None, typer.Option(
        help="An email item's deadline (such as 4h): email's service level is the share answered within it; "
             "without it, email's service level is null.")] = None,
    queue: QueueOpt = None,
    plot: PlotOpt = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What happened, per queue and interval (in each queue's time zone), and how patient callers were.

    Per interval: offered, answered, abandoned, AHT, ASA, service level. Per queue: patience by the
    abandon-rate / mean-wait estimator (exponential) and by Kaplan-Meier (answers censor the patience); its
    channel (voice, chat or email: an email item never abandons, so no patience is given for it).
    Service level: answered within --target for voice and chat; for email, within --deadline (null without it:
    an email's goal is a share answered within its deadline, not within a wait of seconds).
    Interval reports count too (offered, answered, abandoned, AHT, ASA where the report has them; `source` says
    which rows they are); service level and patience need call records, and a queue without them says so.
    --interval must be a multiple of the reports' length (1h for hourly reports).
    `--output history.csv` writes every interval; `--plot heatmap.html` draws weekday x time of day.
    """
    from casashore.usecases import history as use  # DuckDB: only when the command runs

    check_all_writable(output=output, plot=plot)
    queues, rows = use.history(workspace, interval=interval, target=target, queues=queue, plot=plot,
                               deadline=deadline)
    if output is not None:
        write_csv(output, rows)
    if as_json:
        print_json({"queues": queues, "intervals": rows})
        return
    shown = Table(title=f"History in {workspace} ({len(rows):,} queue-intervals; every one: --output or --json)")
    for header in ("queue", "channel", "zone", "offered", "P(abandon)", "patience: exp. mean (s)", "KM median (s)",
                   "KM restricted mean (s)"):
        shown.add_column(header, justify="right")
    for q in queues:
        shown.add_row(q["queue"], q["channel"], q["time_zone"], f"{q['offered']:,}", fmt(q["p_abandon"], ".3f"),
                      fmt(q["patience_mean_s_exponential"], ".0f"), fmt(q["patience_median_s_kaplan_meier"], ".0f"),
                      fmt(q["patience_restricted_mean_s_kaplan_meier"], ".0f"))
    out.print(shown)
    for q in queues:
        if q["note"]:
            out.print(f"{q['queue']}: {q['note']}.")
    _say_queues(workspace, [q["queue"] for q in queues], queue)


@exits_on_user_error
def backtest(
    workspace: WorkspaceOpt = Path("casashore.duckdb"),
    interval: IntervalOpt = "30m",
    horizon: Annotated[str, typer.Option(help="Length of each backtest window (the forecast horizon).")] = "7d",
    windows: Annotated[str, typer.Option(help="Rolling origins: the last N windows of the history (forecast "
                                                "chooses by 2), or auto (as many as it allows after two weeks of "
                                                "training, 2 to 4).")] = "2",
    queue: QueueOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    plot: PlotOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Which model forecasts each queue best: rolling-origin backtest over the last weeks of history.

    Each window is forecast from the data before it; WAPE, MASE and bias per model; the lowest WAPE is chosen,
    never a model that loses to the four-week average (WeeklyAverage; seasonal naive is the baseline to beat).
    `casashore forecast` uses the chosen models.
    Without --queue every queue is backtested, but one whose history is too short for the windows (two weeks of
    training and the windows) is left out and named with why (the JSON's skipped: queue, reason, why), as
    `casashore forecast` does; a queue named with --queue is refused if short (exit status 2).
    `--plot backtest.html` draws each window's forecasts against the actual calls. Many queues run in batches
    of 5 on local processes (`--workers`) or a Dask cluster (`--scheduler`), with the same figures.
    """
    from casashore.usecases import forecasting  # statsforecast and DuckDB: only when the command runs

    check_all_writable(plot=plot)
    with progress(forecasting.queue_count(workspace, queue), as_json, "queues", "backtesting") as advance:
        doc = forecasting.backtest(workspace, interval=interval, horizon=horizon, windows=windows, queues=queue,
                                   plot=plot, workers=workers, scheduler=scheduler, progress=advance)
    if as_json:
        print_json(doc)
        return
    result = doc["queues"]
    count = len(next(iter(doc["queues"].values()))["windows"]) if doc["windows"] == "auto" else doc["windows"]
    shown = Table(title=f"Backtest: {count} windows of {doc['horizon_days']} days, "
                        f"{doc['interval_min']}-minute intervals")
    for header in ("queue", "model", "WAPE", "MASE", "bias", ""):
        shown.add_column(header, justify="right")
    for name, res in result.items():
        for row in res["models"]:
            shown.add_row(name, row["model"], fmt(row["wape"], ".3f"), fmt(row["mase"], ".3f"),
                          fmt(row["bias"], "+.3f"), "chosen" if row["model"] == res["chosen"] else "")
    out.print(shown)
    for left_out in doc["skipped"]:
        out.print(f"not backtested: {left_out['queue']} — {left_out['why']}")
    _say_queues(workspace, list(result), queue)


@exits_on_user_error
def forecast(
    workspace: WorkspaceOpt = Path("casashore.duckdb"),
    horizon: Annotated[str | None, typer.Option(help="How far ahead, in days [default: 14d]; not with --intraday, "
                                                     "which covers the rest of the as-of day.")] = None,
    interval: IntervalOpt = "30m",
    site_zone: Annotated[str, typer.Option(help="The site's time zone, for the site_start column.")]
    = "Africa/Casablanca",
    queue: QueueOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    output: OutputOpt = None,
    intraday: Annotated[bool, typer.Option("--intraday", help="Reforecast the rest of the day at --as-of from the "
                                                               "calls seen so far that day (nothing is stored).")]
    = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="With --intraday: 2026-03-02T12:00 (each queue's "
                                                               "client wall time) or 2026-03-02T12:00+01:00 (an "
                                                               "instant, any zone).")] = None,
    records: RecordsOpt = None,
    centre: CentreOpt = "centre",
    as_json: JsonOpt = False,
) -> None:
    """Calls per queue and interval for the coming days, with 80 % and 95 % prediction intervals.

    Each queue's model is chosen by backtest (rolling windows over the last weeks), fitted on the whole history and
    stored in the workspace's forecasts table. Intervals are in the queue's (client's) time zone; `site_start`
    gives the same interval in the site's zone (Africa/Casablanca by default), through the IANA rules.

    Without --queue every queue is forecast, but one whose history is too short for the backtest (28 days at
    least) is left out and named with why (the JSON's skipped: queue, reason, why); the exit status is 0 when at
    least one queue was forecast. A queue named with --queue is refused if short (exit status 2), as is a
    workspace where no queue has the history.

    An email queue is also given per client day (the JSON's email_days): the day's items with their 80 % and 95 %
    bands, the agent-hours they bring into the backlog and the share of them in each hour of the day.

    `--intraday --as-of 2026-03-02T12:00` updates the rest of that day per queue and interval from the calls seen
    before 12:00 (call records, the router's, interval reports): the day-ahead forecast times the day's level,
    shrunk toward the day-ahead by how much has been seen, with its own 80 % and 95 % bands (docs/history.md).
    With --records postgresql://… the calls of a centre of several router nodes (PostgreSQL) count too.
    """
    from casashore.usecases import forecasting  # statsforecast and DuckDB: only when the command runs

    if intraday or as_of is not None or records is not None:
        if horizon is not None:
            raise UserError("horizon", horizon, "no --horizon with --intraday (the reforecast covers the rest of the "
                            "as-of day)")
        _intraday(forecasting, workspace, as_of, interval, site_zone, queue, output, as_json, intraday,
                  records, centre)
        return
    horizon = horizon or "14d"
    check_all_writable(output=output, workspace=workspace)  # the forecast is stored in the workspace
    with progress(forecasting.queue_count(workspace, queue), as_json, "queues", "forecasting") as advance:
        made = forecasting.forecast(workspace, horizon=horizon, interval=interval, site_zone=site_zone, queues=queue,
                                    workers=workers, scheduler=scheduler, progress=advance)
    chosen, rows = made.models, made.intervals
    if output is not None:
        write_csv(output, rows)
    if as_json:
        print_json({"run_id": made.run_id, "models": chosen, "intervals": rows, "email_days": made.email_days,
                    "skipped": made.skipped})
        return
    shown = Table(title=f"Forecast {made.run_id}: {made.horizon_days} days of {made.interval_min}-minute intervals "
                        f"(every interval: --output or --json)")
    word = contacts_word(made.channels[name] for name in chosen)  # calls, chats or email items: each its own
    for header in ("queue", "channel", "model", word, "peak interval", f"peak {word} (80 % range)"):
        shown.add_column(header, justify="right")
    for name in sorted(chosen):
        mine = [r for r in rows if r["queue"] == name]
        peak = max(mine, key=lambda r: r["calls"])
        unit = f" {CONTACT_WORDS[made.channels[name]]}" if word == "contacts" else ""  # mixed: said on each row
        shown.add_row(name, made.channels[name], chosen[name], f"{sum(r['calls'] for r in mine):,.0f}{unit}",
                      peak["start"][:16],
                      f"{peak['calls']:.1f} ({peak['calls_lo_80']:.0f}–{peak['calls_hi_80']:.0f}){unit}")
    out.print(shown)
    if made.email_days:
        out.print(_email_days_table(made.email_days))
    for left_out in made.skipped:
        out.print(f"not forecast: {left_out['queue']} — {left_out['why']}")
    _say_queues(workspace, sorted(chosen), queue)


def _email_days_table(days: list[dict]) -> Table:
    """An email queue's days as its planner reads them: the items (80 % range), the work they bring, the peak hour."""
    shown = Table(title="Email items per client day (the hour-of-day shares: --json email_days)")
    for header in ("queue", "date", "items (80 % range)", "agent-hours", "peak hour", "holiday"):
        shown.add_column(header, justify="right")
    for day in days:
        shown.add_row(day["queue"], day["date"],
                      f"{day['items']:,.0f} ({day['items_lo_80']:,.0f}–{day['items_hi_80']:,.0f})",
                      f"{day['workload_h']:,.1f}", f"{day['peak_hour']:02d}:00", day["holiday"])
    return shown


def _intraday(forecasting, workspace: Path, as_of: str | None, interval: str, site_zone: str,
              queue: list[str] | None, output: Path | None, as_json: bool, intraday: bool, records: str | None,
              centre: str) -> None:
    if records is not None and not intraday:
        raise UserError("records", "postgresql://…", "--intraday too (the day-ahead forecast reads the workspace)")
    if not intraday:
        raise UserError("as_of", as_of, "--as-of with --intraday (a day-ahead forecast has no as-of time)")
    if as_of is None:
        raise UserError("as_of", MISSING, "--as-of 2026-03-02T12:00 (the client's wall time) with --intraday")
    check_all_writable(output=output)
    doc = forecasting.intraday(workspace, as_of=as_of, interval=interval, site_zone=site_zone, queues=queue,
                               records=records, centre=centre)
    if output is not None:
        write_csv(output, doc["intervals"])
    if as_json:
        print_json(doc)
        return
    shown = Table(title=f"Intraday reforecast at {as_of}, {doc['interval_min']}-minute intervals "
                        f"(every interval: --output or --json)")
    for header in ("queue", "as of (client)", "seen", "expected", "level", "weight", "rest: day-ahead", "rest: now"):
        shown.add_column(header, justify="right")
    for q in doc["queues"]:
        shown.add_row(q["queue"], q["as_of"][:16], f"{q['seen_calls']:,.0f}", f"{q['expected_calls']:,.0f}",
                      f"{q['level']:.3f}", f"{q['weight']:.2f}", f"{q['day_ahead_rest']:,.0f}",
                      f"{q['rest_calls']:,.0f}")
    out.print(shown)
    say_skipped(doc["skipped"])
    _say_queues(" and ".join(doc["read"]), [q["queue"] for q in doc["queues"]], queue)
