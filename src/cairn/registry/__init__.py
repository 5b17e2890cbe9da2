"""The registry layer: ``Registry`` (THE Python API) and ``open_registry`` (``cairn.open``)."""

from cairn.catalog import ANY
from cairn.registry.maintenance import RegistryCheck
from cairn.registry.opening import open_registry
from cairn.registry.registry import Registry

__all__ = ["ANY", "Registry", "RegistryCheck", "open_registry"]
