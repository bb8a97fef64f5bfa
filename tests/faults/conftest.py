"""Fixtures for the fault tests (defined in fixtures.py, shared with tests/soak)."""

from .fixtures import make_served_surveys, serve, small_disks

__all__ = ["make_served_surveys", "serve", "small_disks"]
