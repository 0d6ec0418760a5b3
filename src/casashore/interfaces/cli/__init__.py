"""The `casashore` command: typer options in, use cases called, tables or JSON out (see app.py)."""
