"""One pipeline run: load, copy, dbt build, validation and publication as gates.

A step that fails raises PipelineError, which stops the run. Until the
final os.replace of the publish step, published.duckdb is not touched.
"""

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .build import copy_raw, run_dbt_build
from .crash import crash_point
from .errors import PipelineError
from .load import LoadResult, load_raw
from .publish import Publication, publish_build, remove_build, remove_leftover_builds
from .settings import PipelineSettings
from .validate import validate_build

logger = logging.getLogger(__name__)

# Validation reports and logs of this many of the latest runs are kept. The
# app serves only reports/latest.html; older ones are for reading on disk.
KEPT_RUN_FILES = 50
RUN_FILE_NAME = re.compile(r"run-(\d+)\.")


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
    prune_run_files(settings.reports_dir)
    prune_run_files(settings.logs_dir)
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


def prune_run_files(directory: Path, keep: int = KEPT_RUN_FILES) -> list[Path]:
    """Delete run-<id>.* files of all but the keep latest run ids; return them.

    Other files, such as latest.html, stay.
    """
    if not directory.is_dir():
        return []
    by_run: dict[int, list[Path]] = {}
    for path in directory.iterdir():
        match = RUN_FILE_NAME.match(path.name)
        if match and path.is_file():
            by_run.setdefault(int(match.group(1)), []).append(path)
    removed = []
    for run_id in sorted(by_run, reverse=True)[keep:]:
        for path in by_run[run_id]:
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        logger.info("Removed %d files of old runs from %s", len(removed), directory)
    return removed
