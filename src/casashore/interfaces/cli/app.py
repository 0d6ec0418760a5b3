"""The ``casashore`` command: the typer application, its callbacks and its commands, one module per group.

Every command takes ``--json`` (one JSON document on stdout, nothing else); a user mistake prints one line on
stderr and exits with status 2 (errors.py). What a command does lives in casashore.usecases; the modules here
parse options and render.

Each command imports its use case when it runs: numba and scipy (the Erlang kernels), pydantic (scenarios),
pandas, statsforecast, DuckDB and FastAPI cost from a tenth of a second to a second each, and `--help`, or
`--version` need none of them. Keep module-level imports of the cli package to the standard library, typer and
rich.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated

import typer

from casashore.interfaces.cli import (
    calculators,
    growth,
    history,
    intraday,
    plan,
    plans,
    route,
    schedule,
    serve,
    simulate,
)
from casashore.interfaces.cli.errors import OneErrorPrefix

app = typer.Typer(
    cls=OneErrorPrefix,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
route_app = typer.Typer(help=route.ROUTE_HELP, no_args_is_help=True)
plans_app = typer.Typer(help=plans.PLANS_HELP, no_args_is_help=True)
intraday_app = typer.Typer(help=intraday.INTRADAY_HELP, no_args_is_help=True)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"casashore {version('casashore')}")
        raise typer.Exit()


@app.callback()
def _main(
    _version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                           help="Print casashore's version and exit.")] = False,
) -> None:
    """Plan and run offshore contact centres, from the cable to the seat.

    Durations take plain seconds or a suffix: 20, 20s, 30m, 1h. Shares take 0.8 or 80%. Every command has
    --help and --json.
    """


# In the order `casashore --help` lists them: from the cable to the seat, then the live side and the server.
app.command()(calculators.trunks)
app.command()(calculators.staff)
app.command()(calculators.link)
app.command()(simulate.simulate)
app.command("import")(history.import_)
app.command()(history.history)
app.command()(history.backtest)
app.command()(history.forecast)
app.command()(schedule.schedule)
app.command()(plan.plan)
app.add_typer(plans_app, name="plans", short_help=plans.PLANS_HELP)
plans_app.command("list")(plans.plans_list)
plans_app.command("show")(plans.plans_show)
plans_app.command("compare")(plans.plans_compare)
plans_app.command("delete")(plans.plans_delete)
app.command()(growth.growth)
app.add_typer(route_app, name="route", short_help=route.ROUTE_HELP)
route_app.command("serve")(route.route_serve)
route_app.command("drive")(route.route_drive)
route_app.command("adherence")(route.route_adherence)
app.add_typer(intraday_app, name="intraday", short_help=intraday.INTRADAY_HELP)
intraday_app.command("replan")(intraday.intraday_replan)
app.command()(serve.serve)


def _whole_first_paragraphs(*apps: typer.Typer) -> None:
    """Command lists show each command's first paragraph whole: click cuts a summary at ~45 characters with
    "..." unless the command has a short help of its own."""
    for typer_app in apps:
        for info in typer_app.registered_commands:
            if info.short_help is None and info.callback is not None and info.callback.__doc__:
                first = info.callback.__doc__.strip().split("\n\n")[0]
                info.short_help = " ".join(first.split())


_whole_first_paragraphs(app, route_app, plans_app, intraday_app)
