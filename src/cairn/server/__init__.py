"""cairn.server."""
