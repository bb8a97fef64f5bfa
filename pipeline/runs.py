"""Rows of pipeline_runs in the operational store, which the app shows."""

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from survey_app.models import PipelineRun, utc_now

from .errors import PipelineError

logger = logging.getLogger(__name__)

ABANDONED_MESSAGE = (
    "The run stopped without recording a result, because its process ended. "
    "Run the pipeline again."
)


class RunNotStartableError(PipelineError):
    step = "start"


def open_run(sessions: sessionmaker[Session], run_id: int | None) -> int:
    """Mark a queued run as running, or record a new one; return its run_id."""
    with sessions() as session:
        if run_id is None:
            run = PipelineRun(status="running", started_by="cli", started_at=utc_now())
            session.add(run)
        else:
            run = session.get(PipelineRun, run_id)
            _check_queued(run, run_id)
            run.status = "running"
            run.started_at = utc_now()
        session.commit()
        return run.run_id


def _check_queued(run: PipelineRun | None, run_id: int) -> None:
    if run is None:
        raise RunNotStartableError(
            f"pipeline run {run_id} does not exist in pipeline_runs",
            "run without --run-id to start a new run",
        )
    if run.status != "queued":
        raise RunNotStartableError(
            f"pipeline run {run_id} is {run.status}, and only a queued run can start",
            "run without --run-id to start a new run",
        )


def finish_run(
    sessions: sessionmaker[Session], run_id: int, status: str, message: str
) -> None:
    """Record how a run ended: status succeeded or failed, with its message."""
    with sessions() as session:
        run = session.get(PipelineRun, run_id)
        run.status = status
        run.message = message
        run.finished_at = utc_now()
        if run.started_at is None:
            run.started_at = run.finished_at
        session.commit()


def fail_abandoned_runs(sessions: sessionmaker[Session]) -> int:
    """Mark as failed every run still 'running'; call only holding the lock.

    A running run holds the lock until its process ends. So while this
    process holds the lock, a row with status running belongs to a process
    that ended without recording its result (killed, or the machine stopped).
    """
    with sessions() as session:
        abandoned = session.scalars(
            select(PipelineRun).where(PipelineRun.status == "running")
        ).all()
        for run in abandoned:
            logger.warning("marking abandoned pipeline run %d as failed", run.run_id)
            run.status = "failed"
            run.message = ABANDONED_MESSAGE
            run.finished_at = utc_now()
        session.commit()
    return len(abandoned)
