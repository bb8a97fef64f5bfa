"""Every suite that validates the warehouse, raw tables first, then marts."""

from . import borough, marts, raw, self_review
from .base import LAYERS, REGISTRY, FactUnavailableError, Suite, WarehouseFacts


def all_suites() -> list[Suite]:
    """Return every registered suite: raw ones first, each layer in definition order."""
    return sorted(REGISTRY.suites, key=lambda suite: LAYERS.index(suite.layer))


__all__ = [
    "FactUnavailableError",
    "Suite",
    "WarehouseFacts",
    "all_suites",
    "borough",
    "marts",
    "raw",
    "self_review",
]
