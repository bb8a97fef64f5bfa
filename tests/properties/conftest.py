"""Fixtures for the property tests: a copy of the demo world, watched."""

import pytest
from security.demo_world import WorldCopy, demo_world

from .store_checks import StoreWatch, last_response_seq, store_problems


@pytest.fixture(scope="session")
def world_template(tmp_path_factory):
    """The session's demo world, built by the real pipeline on first use."""
    return demo_world(tmp_path_factory)


@pytest.fixture(scope="module")
def world(world_template, tmp_path_factory):
    """A module's copy of the demo world, with sign-in limits out of the way
    so that every example reaches the form's checks."""
    copy = WorldCopy(world_template, tmp_path_factory.mktemp("world"))
    copy.app.config["LOGIN_RATE_LIMIT"] = "100000 per minute"
    since = last_response_seq(copy.store_path)
    assert store_problems(copy.store_path, since) == {}
    yield copy
    copy.close()


@pytest.fixture(scope="module")
def store_watch(world):
    watch = StoreWatch(world.store_path)
    yield watch
    watch.close()
