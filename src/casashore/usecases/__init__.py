"""What each command does, below the interfaces: the CLI and the web API parse and render, and call these."""
