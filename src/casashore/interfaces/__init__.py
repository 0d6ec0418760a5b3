"""The ways in: the command line and the web API. They parse, call the use cases and render."""
