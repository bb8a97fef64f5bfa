"""Fixtures for the soak tests, shared with the fault tests."""

from faults.fixtures import make_served_surveys

__all__ = ["make_served_surveys"]
