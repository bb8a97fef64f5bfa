"""Fixtures for the privacy tests: the demo world the security tests share."""

import pytest
from security.demo_world import WorldCopy, demo_world


@pytest.fixture(scope="session")
def world_template(tmp_path_factory):
    """The session's demo world, built by the real pipeline on first use."""
    return demo_world(tmp_path_factory)


@pytest.fixture(scope="module")
def world(world_template, tmp_path_factory):
    """A module's copy of the demo world."""
    copy = WorldCopy(world_template, tmp_path_factory.mktemp("world"))
    yield copy
    copy.close()
