"""The CLI's one error path: a user mistake is one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NoReturn, ParamSpec, TypeVar

import typer

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
