"""A pipeline run killed with SIGKILL at one step, then a full run: for each
step on its own, published results stay as they were until the full run,
which publishes exactly what a clean run does."""

import shutil

import pytest
from faults.crash_runs import (
    PublishedState,
    add_later_responses,
    build_clean,
    check_killed,
    check_recovered,
    publish_first_responses,
)
from faults.warehouse import run_pipeline

from pipeline.crash import CRASH_POINTS


@pytest.fixture(scope="module")
def published_once(tmp_path_factory):
    """A store with responses, published once; each test copies the folder."""
    var_dir = tmp_path_factory.mktemp("published-once") / "var"
    publish_first_responses(var_dir)
    return var_dir


@pytest.fixture(scope="module")
def clean_build(published_once, tmp_path_factory):
    return build_clean(published_once, tmp_path_factory.mktemp("clean") / "var")


@pytest.mark.soak
@pytest.mark.dbt
@pytest.mark.timeout(3600)
@pytest.mark.parametrize("step", CRASH_POINTS)
def test_run_after_killed_step_publishes(step, published_once, clean_build, tmp_path):
    var_dir = tmp_path / "var"
    shutil.copytree(published_once, var_dir)
    published = PublishedState(var_dir)
    add_later_responses(var_dir)

    killed = run_pipeline(var_dir, crash_at=step)

    check_killed(killed, var_dir, step)
    published.check_unchanged()
    check_recovered(run_pipeline(var_dir), var_dir, clean_build)
