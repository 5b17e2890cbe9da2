"""The search filter language: ``metrics.auc > 0.9 and tags.team = "fraud"`` (docs/search.md)."""

from cairn.catalog.search.compile import (
    MODEL_FIELDS,
    VERSION_FIELDS,
    model_filter,
    single_model,
    version_filter,
)
from cairn.catalog.search.parser import parse

__all__ = [
    "MODEL_FIELDS",
    "VERSION_FIELDS",
    "model_filter",
    "parse",
    "single_model",
    "version_filter",
]
