"""cairn.environment."""
