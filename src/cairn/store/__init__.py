"""cairn.store."""
