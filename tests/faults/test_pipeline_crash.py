"""Pipeline runs killed with SIGKILL at each step, one after another: the
published results stay as they were, and the next full run publishes exactly
what a clean run does.

Each killed run after the first also starts from the debris of the one
before, so it shows that the steps up to its own crash point recover. The
soak suite (tests/soak/) recovers after each step on its own.
"""

import pytest

from pipeline.crash import CRASH_POINTS

from .crash_runs import (
    PublishedState,
    add_later_responses,
    build_clean,
    check_killed,
    check_recovered,
    publish_first_responses,
)
from .warehouse import run_pipeline


@pytest.mark.slow
@pytest.mark.dbt
# Six full pipeline runs took 8 minutes on 2 busy cores.
@pytest.mark.timeout(3600)
def test_killed_runs_keep_published_results(tmp_path):
    var_dir = tmp_path / "var"
    publish_first_responses(var_dir)
    published = PublishedState(var_dir)
    clean = build_clean(var_dir, tmp_path / "clean" / "var")
    add_later_responses(var_dir)

    for step in CRASH_POINTS:
        killed = run_pipeline(var_dir, crash_at=step)

        check_killed(killed, var_dir, step)
        published.check_unchanged()

    check_recovered(run_pipeline(var_dir), var_dir, clean)
