"""One pipeline run: load, copy, dbt build, validation and publication as gates.

A step that fails raises PipelineError, which stops the run. Until the
final os.replace of the publish step, published.duckdb is not touched.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from .build import copy_raw, run_dbt_build
from .crash import crash_point
from .errors import PipelineError
from .load import LoadResult, load_raw
from .publish import Publication, publish_build, remove_build, remove_leftover_builds
from .settings import PipelineSettings
from .validate import validate_build

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunSummary:
    """The outcome of a successful run."""

    run_id: int
    loaded: LoadResult
    published_at: datetime

    @property
    def message(self) -> str:
        return (
            f"Published {self.loaded.total_responses} responses "
            f"({self.loaded.new_responses} new, {self.loaded.deleted_responses} "
            f"removed) at {self.published_at:%Y-%m-%d %H:%M} UTC"
        )


def run_pipeline(settings: PipelineSettings, run_id: int) -> RunSummary:
    """Run every step for run_id; call only while holding the pipeline lock."""
    # TODO: prune old reports/run-<id>.* and logs/run-<id>.log files; each
    # run adds a few small files there and nothing removes them yet.
    remove_leftover_builds(settings.build_dir)
    with _step("load"):
        loaded = load_raw(settings.database_url, settings.raw_path)

    build_path = settings.build_path
    try:
        with _step("dbt build"):
            copy_raw(settings.raw_path, build_path)
            run_dbt_build(
                settings.dbt_project_dir,
                build_path,
                settings.dbt_target_dir,
                settings.logs_dir,
            )
        with _step("validation"):
            validate_build(build_path, settings.reports_dir, run_id)
            crash_point("validation")
        with _step("publish"):
            published_at = publish_build(
                build_path,
                settings.published_path,
                settings.previous_dir,
                Publication(
                    run_id=run_id,
                    n_responses_loaded=loaded.new_responses,
                    last_response_seq=loaded.last_response_seq,
                ),
            )
    finally:
        # After a failure this deletes the rejected build; its validation
        # report stays in reports/. After success the file is gone already.
        remove_build(build_path)

    return RunSummary(run_id, loaded, published_at)


@contextmanager
def _step(name: str) -> Iterator[None]:
    """Log a step, and turn an unexpected error in it into a PipelineError."""
    logger.info("%s started", name)
    try:
        yield
    except PipelineError:
        raise
    except Exception as error:
        logger.exception("%s failed unexpectedly", name)
        raise PipelineError(
            f"unexpected {type(error).__name__}: {error}",
            "read the traceback in the pipeline's log, fix the cause, then run "
            "the pipeline again",
            step=name,
        ) from error
    logger.info("%s finished", name)
