"""User errors: a mistake in the input, reported in one line that names the field, the value and the need.

At the package's top, not in domain/: every layer (domain, science, workspace, use cases, interfaces) raises it."""

from __future__ import annotations


class _Missing:
    """The value of a field that was not given at all."""

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"  # unpickled as this module's one MISSING, so that ``value is MISSING`` still holds


MISSING = _Missing()
"""Pass as a UserError's value when the field is absent: the message says so instead of showing a value."""


class UserError(ValueError):
    """Bad input from a user: the CLI prints it on one line and exits with status 2."""

    def __init__(self, field: str, value: object, expected: str, where: str | None = None):
        self.field, self.value, self.expected, self.where = field, value, expected, where
        prefix = f"{where}: " if where else ""
        if value is MISSING:
            super().__init__(f"{prefix}{field}: missing; expected {expected}")
        else:
            super().__init__(f"{prefix}{field}: {value!r} is not valid; expected {expected}")

    def __reduce__(self) -> tuple:
        """Pickled with its fields, so that an error raised in a worker process or on a Dask worker arrives
        whole (an exception pickles its ``args``, here the message alone, which ``__init__`` does not take)."""
        return type(self), (self.field, self.value, self.expected, *((self.where,) if self.where else ()))


class Refused(UserError):
    """A UserError said in a sentence of its own: a missing prerequisite, or a value this set-up cannot take,
    rather than a wrong value."""

    def __init__(self, field: str, value: object, sentence: str):
        super().__init__(field, value, sentence)
        self.args = (f"{field}: {sentence}",)


class Cancelled(Exception):
    """A run stopped on request (a plan cancelled from the API) at one of its progress points: not a user's
    mistake and not a bug. Raised by the progress callback; the pipeline lets it through and stores nothing of
    the step it interrupted."""
