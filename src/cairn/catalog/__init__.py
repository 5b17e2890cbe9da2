"""cairn.catalog."""
