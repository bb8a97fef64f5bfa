"""The imhars-pipeline command."""

import logging
import sys

import click
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from survey_app.config import ConfigurationError
from survey_app.db import create_database_engine

from .errors import PipelineError
from .load import sqlite_path_from_url
from .lock import PipelineBusyError, pipeline_lock
from .run import run_pipeline
from .runs import fail_abandoned_runs, finish_run, open_run
from .settings import PipelineSettings

EXIT_STEP_FAILED = 1
EXIT_BUSY = 3
EXIT_NOT_STARTED = 4

RUN_EPILOG = """\b
Exit status:
  0  every step passed and published.duckdb was replaced
  1  a step failed (load, dbt build, validation or publish);
     published.duckdb is unchanged and pipeline_runs names the step
  2  invalid options
  3  another run holds var/pipeline.lock
  4  the run could not start: settings invalid, store missing, or the
     --run-id row missing or not queued

\b
Settings come from the same environment variables as the app:
IMHARS_ENV, IMHARS_DATABASE_URL, IMHARS_VAR_DIR, IMHARS_WAREHOUSE_DIR;
IMHARS_DBT_PROJECT_DIR sets the dbt project (default dbt_project/).
"""


class PipelineCommandError(click.ClickException):
    """A failure shown as 'Error: message', with the given exit status."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


@click.group()
def main() -> None:
    """Build and publish the results warehouse."""


@main.command("run", epilog=RUN_EPILOG)
@click.option(
    "--run-id",
    type=click.IntRange(min=1),
    help="Start this queued row of pipeline_runs (the app's Update results "
    "button queues one). Without it, the run records a new row.",
)
@click.option(
    "--wait-seconds",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="Seconds to wait for another run to release var/pipeline.lock "
    "before failing with exit status 3.",
)
def run_command(run_id: int | None, wait_seconds: float) -> None:
    """Load new responses, build with dbt, validate, and publish.

    Each step is a gate: when one fails, the run stops and the published
    results stay as they were.
    """
    _configure_logging()
    settings = _read_settings()
    engine = create_database_engine(settings.database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    try:
        message = _run_locked(settings, sessions, run_id, wait_seconds)
    finally:
        engine.dispose()
    click.echo(message)


def _run_locked(settings, sessions, requested_run_id, wait_seconds) -> str:
    try:
        with pipeline_lock(settings.lock_path, wait_seconds):
            fail_abandoned_runs(sessions)
            run_id = open_run(sessions, requested_run_id)
            return _run_recorded(settings, sessions, run_id)
    except PipelineBusyError as error:
        if requested_run_id is not None:
            finish_run(sessions, requested_run_id, "failed", str(error))
        raise PipelineCommandError(str(error), EXIT_BUSY) from error
    except PipelineError as error:
        raise PipelineCommandError(str(error), EXIT_NOT_STARTED) from error
    except SQLAlchemyError as error:
        raise PipelineCommandError(
            f"recording the run in {settings.database_url} failed: {error}. "
            "Next: run 'flask --app survey_app db-upgrade', then run again",
            EXIT_NOT_STARTED,
        ) from error


def _run_recorded(settings, sessions, run_id: int) -> str:
    """Run the steps and record the outcome in pipeline_runs."""
    try:
        summary = run_pipeline(settings, run_id)
    except PipelineError as error:
        finish_run(sessions, run_id, "failed", str(error))
        raise PipelineCommandError(str(error), EXIT_STEP_FAILED) from error
    except BaseException:
        finish_run(sessions, run_id, "failed", "The run was interrupted.")
        raise
    finish_run(sessions, run_id, "succeeded", summary.message)
    return summary.message


def _read_settings() -> PipelineSettings:
    try:
        settings = PipelineSettings.from_environment()
        store = sqlite_path_from_url(settings.database_url)
    except (ConfigurationError, PipelineError) as error:
        raise PipelineCommandError(str(error), EXIT_NOT_STARTED) from error
    if not store.is_file():
        raise PipelineCommandError(
            f"the operational store {store} does not exist. Next: run 'flask "
            "--app survey_app db-upgrade', or set IMHARS_DATABASE_URL",
            EXIT_NOT_STARTED,
        )
    return settings


def _configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # GX logs its own start-up at INFO, dozens of lines per run.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


if __name__ == "__main__":
    main()
