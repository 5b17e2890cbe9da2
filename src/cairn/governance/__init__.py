"""cairn.governance."""
