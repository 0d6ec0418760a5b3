"""`python -m casashore` runs the command line, like the `casashore` script."""

from casashore.interfaces.cli.app import app

app(prog_name="casashore")
