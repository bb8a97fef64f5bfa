"""Copy raw.duckdb to a build file and run `dbt build` on it."""

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from .crash import crash_point
from .errors import PipelineError

logger = logging.getLogger(__name__)

STDERR_FILENO = 2


class BuildError(PipelineError):
    step = "dbt build"


def copy_raw(raw_path: Path, build_path: Path) -> None:
    """Copy raw.duckdb to build_path, which dbt then builds into."""
    wal_path = raw_path.with_name(raw_path.name + ".wal")
    if wal_path.exists():
        # The load checkpoints before it returns, so a WAL here means another
        # process has raw.duckdb open, and the copy would miss its changes.
        raise BuildError(
            f"{wal_path} exists, so {raw_path} has changes not yet in the file",
            "make sure no other process has raw.duckdb open, then run again",
        )
    build_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(raw_path, build_path)


def run_dbt_build(
    project_dir: Path, database_path: Path, target_dir: Path, log_dir: Path
) -> None:
    """Run `dbt build` on database_path; raise BuildError naming failed nodes.

    dbt runs in a child process (see pipeline.dbt_invoke), so the build file
    is closed when this returns.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    summary_path = log_dir / "dbt-summary.json"
    summary_path.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "pipeline.dbt_invoke",
        str(summary_path),
        "build",
        "--project-dir",
        str(project_dir.resolve()),
        "--profiles-dir",
        str(project_dir.resolve()),
        "--target-path",
        str(target_dir.resolve()),
        "--log-path",
        str(log_dir.resolve()),
        # One line per model and test goes to dbt.log only; warnings and
        # errors still reach the pipeline's own output.
        "--log-level",
        "warn",
        "--log-level-file",
        "debug",
    ]
    environment = {
        **os.environ,
        "IMHARS_DBT_DATABASE": str(database_path.resolve()),
        # dbt_invoke ends itself when this process ends (see end_with_parent).
        "IMHARS_PIPELINE_PID": str(os.getpid()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    logger.info("dbt build on %s", database_path)
    # dbt's progress goes to stderr with the pipeline's log, so that stdout
    # carries only the command's result.
    with subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        command, env=environment, stdout=STDERR_FILENO
    ) as process:
        try:
            crash_point("dbt build")
            returncode = process.wait()
        except BaseException:
            # As subprocess.run does: an interrupted build must not go on.
            process.kill()
            raise

    next_action = (
        f"fix the dbt project in {project_dir} or the data it rejects (dbt's log "
        f"is in {log_dir}), then run the pipeline again"
    )
    if not summary_path.exists():
        raise BuildError(
            f"dbt ended with exit status {returncode} before reporting a result",
            next_action,
        )
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    if summary["exception"] is not None:
        raise BuildError(f"dbt could not run: {summary['exception']}", next_action)
    if summary["failures"] or not summary["success"]:
        raise BuildError(
            "; ".join(summary["failures"])
            or "dbt reported failure without a failed node",
            next_action,
        )
    counts = ", ".join(
        f"{count} {status}" for status, count in sorted(summary["statuses"].items())
    )
    logger.info("dbt build finished: %s (details in %s)", counts, log_dir / "dbt.log")
    _checkpoint(database_path)


def _checkpoint(database_path: Path) -> None:
    """Fold any write-ahead log dbt left into the file itself.

    publish moves only the database file, so nothing may stay in a WAL.
    """
    with duckdb.connect(str(database_path)) as connection:
        connection.execute("checkpoint")
