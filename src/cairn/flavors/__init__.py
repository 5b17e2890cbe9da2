"""cairn.flavors."""
