"""cairn.serving."""
