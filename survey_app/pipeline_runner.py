"""Start the pipeline in the background for the app's "Update results" button.

start_pipeline_run queues a row in pipeline_runs and starts
`python -m pipeline.cli run --run-id N` as a detached process, which marks
the row running, then succeeded or failed. The page reads the rows back with
latest_runs.
"""

import os
import subprocess
import sys
import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.lock import is_pipeline_running
from pipeline.runs import ABANDONED_MESSAGE
from pipeline.settings import PipelineSettings

from .config import PROJECT_ROOT
from .models import PipelineRun, utc_now

ACTIVE_STATUSES = ("queued", "running")

# How long a queued run's process may wait for another run to release the
# pipeline lock before it gives up and records a failure.
LOCK_WAIT_SECONDS = 600

# A queued run still waiting while no run holds the lock has lost its
# process (it would take a free lock within a second of starting).
# NOTE: 10 minutes is a generous guess at the slowest start-up, not measured.
QUEUED_RUN_TIMEOUT = timedelta(minutes=10)


def start_pipeline_run(app: Flask, user_id: int | None) -> PipelineRun:
    """Queue a pipeline run and start it in the background; return its row.

    When a run is already queued or running, return that run instead of
    starting another.
    """
    settings = PipelineSettings.from_config(app.config)
    with app.extensions["db_sessionmaker"]() as session:
        active = _active_run(session, settings)
        if active is not None:
            return active

        run = PipelineRun(
            status="queued", started_by="app", requested_by_user_id=user_id
        )
        session.add(run)
        session.commit()
        # Two requests can both find no active run and both queue one; the
        # earlier row wins and the later request withdraws its own.
        earliest = _active_run(session, settings)
        if earliest.run_id != run.run_id:
            session.delete(run)
            session.commit()
            return earliest

        try:
            _start_process(app, settings, run.run_id)
        except OSError as error:
            app.logger.exception("pipeline run %d could not start", run.run_id)
            run.status = "failed"
            run.finished_at = utc_now()
            run.message = f"The pipeline could not start: {error}"
            session.commit()
        return run


def latest_runs(session: Session, limit: int = 5) -> list[PipelineRun]:
    """Return the most recent pipeline runs, newest first."""
    return list(
        session.scalars(
            select(PipelineRun).order_by(PipelineRun.run_id.desc()).limit(limit)
        )
    )


def last_successful_run(session: Session) -> PipelineRun | None:
    """Return the most recent run that published results, or None."""
    return session.scalars(
        select(PipelineRun)
        .where(PipelineRun.status == "succeeded")
        .order_by(PipelineRun.run_id.desc())
        .limit(1)
    ).first()


def _active_run(session: Session, settings: PipelineSettings) -> PipelineRun | None:
    """Return the earliest queued or running run, failing those whose process ended."""
    runs = session.scalars(
        select(PipelineRun)
        .where(PipelineRun.status.in_(ACTIVE_STATUSES))
        .order_by(PipelineRun.run_id)
    ).all()
    if not runs or is_pipeline_running(settings.lock_path):
        return runs[0] if runs else None

    alive = []
    for run in runs:
        if run.status == "running" or _queued_too_long(run):
            run.status = "failed"
            run.message = ABANDONED_MESSAGE
            run.finished_at = utc_now()
        else:
            alive.append(run)
    session.commit()
    return alive[0] if alive else None


def _queued_too_long(run: PipelineRun) -> bool:
    return run.status == "queued" and utc_now() - run.requested_at > QUEUED_RUN_TIMEOUT


def _start_process(app: Flask, settings: PipelineSettings, run_id: int) -> None:
    """Start `imhars-pipeline run --run-id run_id` detached from this process."""
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    log_path = settings.logs_dir / f"run-{run_id}.log"
    environment = {
        **os.environ,
        "IMHARS_ENV": app.config["ENV_NAME"],
        "IMHARS_DATABASE_URL": settings.database_url,
        "IMHARS_VAR_DIR": str(settings.var_dir),
        "IMHARS_WAREHOUSE_DIR": str(settings.warehouse_dir),
    }
    command = [
        sys.executable,
        "-m",
        "pipeline.cli",
        "run",
        "--run-id",
        str(run_id),
        "--wait-seconds",
        str(LOCK_WAIT_SECONDS),
    ]
    with open(log_path, "ab") as log:
        # A new session: the run carries on if the app's worker restarts.
        process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            cwd=PROJECT_ROOT,
            start_new_session=True,
        )
    app.logger.info("started pipeline run %d as process %d", run_id, process.pid)
    # Reap the child when it ends, so it does not linger as a zombie.
    threading.Thread(
        target=process.wait, name=f"pipeline-run-{run_id}", daemon=True
    ).start()
