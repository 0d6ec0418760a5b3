"""`casashore serve`: the dashboard and the REST API over a workspace directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from casashore.interfaces.cli.errors import exits_on_user_error
from casashore.interfaces.cli.plan import check_lang


@exits_on_user_error
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; anything but loopback needs --token.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workspace_dir: Annotated[Path, typer.Option("--workspace-dir", help="Where scenarios, reports and the "
                                                                       "workspace live.")] = Path("."),
    token: Annotated[str | None, typer.Option(envvar="CASASHORE_TOKEN", help="Bearer token every write (POST) "
                                                                            "needs; required off loopback.")]
    = None,
    lang: Annotated[str | None, typer.Option(help="Dashboard language (en, fr) [default: the browser's].")] = None,
) -> None:
    """The dashboard and the REST API (OpenAPI at /docs): calculators, scenario upload, plan runs.

    `casashore serve` then open http://127.0.0.1:8000/ — the Erlang calculator answers at once; upload
    examples/casablanca.toml and run its plan to see the charts. `--host 0.0.0.0 --token SECRET` serves other
    machines, every write then needing `Authorization: Bearer SECRET`.
    """
    # FastAPI and uvicorn: only when the command runs.
    import uvicorn

    from casashore.interfaces.web.api import create_app

    if lang is not None:
        check_lang(lang)
    application = create_app(workspace_dir, host=host, token=token, lang=lang)
    shown_host = f"[{host}]" if ":" in host else host
    typer.echo(f"casashore: dashboard on http://{shown_host}:{port}/, API docs on http://{shown_host}:{port}/docs, "
               f"workspace in {workspace_dir.resolve()} (Ctrl+C stops)", err=True)
    uvicorn.run(application, host=host, port=port, log_level="warning")
