"""The registry layer: ``Registry`` (THE Python API) and ``open_registry`` (``cairn.open``)."""

from cairn.catalog import ANY
from cairn.registry.maintenance import RegistryCheck
from cairn.registry.opening import load_model, log_model, open_registry
from cairn.registry.registry import Registry

__all__ = ["ANY", "Registry", "RegistryCheck", "load_model", "log_model", "open_registry"]
