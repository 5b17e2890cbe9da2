"""The ``Registry``: THE Python API of cairn, joining the catalog (metadata) and the store (bytes).

The CLI, the server and the serving process all call its methods, so a feature exists once.
Each concept lives in its own module as a part of the class; ``open_registry`` (exported as
``cairn.open``) picks the backends from a URI.
"""

from __future__ import annotations

from cairn.registry.aliases import AliasesMixin
from cairn.registry.maintenance import MaintenanceMixin
from cairn.registry.model_io import ModelIOMixin
from cairn.registry.transfer import TransferMixin

__all__ = ["Registry"]


class Registry(ModelIOMixin, AliasesMixin, MaintenanceMixin, TransferMixin):
    """A model registry on a catalog and a store. Use :func:`cairn.open` to get one."""

    def __enter__(self) -> Registry:
        return self
