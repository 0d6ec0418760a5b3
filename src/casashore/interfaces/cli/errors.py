"""The CLI's one error path: a user mistake is one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import functools
import io
import sys
from collections.abc import Callable
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer
from typer.core import TyperGroup

from casashore.errors import UserError

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def exits_on_user_error(command: Callable[P, R]) -> Callable[P, R]:
    """Run ``command``; a UserError raised anywhere in it becomes its one-line message and exit status 2."""
    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except UserError as exc:
            fail(str(exc))
    return run


class OneErrorPrefix(TyperGroup):
    """The command group whose usage mistakes (an unknown option, a missing value: click's own, before a command
    runs) end in the same ``error:`` line as a UserError's, not click's ``Error:``; click's usage and hint lines
    above it are kept, and its exit status 2."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            sys.exit(1)
        except Exception as exc:
            # click's usage errors (typer vendors its own click: known by their API, show() and exit_code)
            if not (callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int)):
                raise
            shown = io.StringIO()
            exc.show(file=shown)
            text = shown.getvalue()
            typer.echo("error: " + text.removeprefix("Error: ") if text.startswith("Error: ")
                       else text.replace("\nError: ", "\nerror: "), err=True, nl=False)
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)
