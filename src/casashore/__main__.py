"""`python -m casashore` runs the command line, like the `casashore` script."""

from casashore.cli import app

app(prog_name="casashore")
