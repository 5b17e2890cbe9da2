"""cairn.monitoring."""
