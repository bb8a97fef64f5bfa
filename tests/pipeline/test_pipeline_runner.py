"""The app's "Update results" runner: a queued run in a background process."""

import time
from datetime import timedelta

import pytest

from pipeline.lock import pipeline_lock
from survey_app.models import PipelineRun, User, utc_now
from survey_app.pipeline_runner import (
    last_successful_run,
    latest_runs,
    start_pipeline_run,
)

from .conftest import FAILING_DBT_PROJECT, add_responses


@pytest.fixture
def user_id(session) -> int:
    user = User(
        email="lead@school.example",
        display_name="Mental health lead",
        password_hash="not-a-real-hash",
        role="admin",
    )
    session.add(user)
    session.commit()
    return user.user_id


def wait_until_finished(session, run_id: int, timeout: float = 300) -> PipelineRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.expire_all()
        run = session.get(PipelineRun, run_id)
        if run.status in ("succeeded", "failed"):
            return run
        time.sleep(0.5)
    raise AssertionError(f"pipeline run {run_id} still {run.status} after {timeout} s")


def test_start_runs_pipeline_in_background(
    app, settings, session, survey, user_id, monkeypatch
):
    monkeypatch.setenv("IMHARS_DBT_PROJECT_DIR", str(FAILING_DBT_PROJECT))
    add_responses(session, survey, 2)

    run = start_pipeline_run(app, user_id)

    assert run.status == "queued"
    assert run.started_by == "app"
    assert run.requested_by_user_id == user_id
    finished = wait_until_finished(session, run.run_id)
    assert finished.status == "failed"
    assert finished.message.startswith("dbt build failed")
    assert finished.started_at is not None
    log = (settings.logs_dir / f"run-{run.run_id}.log").read_text()
    assert "assert_no_responses" in log
    assert settings.raw_path.exists()


def test_start_returns_run_already_queued(app, session, user_id):
    queued = PipelineRun(status="queued", started_by="cli")
    session.add(queued)
    session.commit()

    run = start_pipeline_run(app, user_id)

    assert run.run_id == queued.run_id
    assert len(latest_runs(session)) == 1


def test_start_returns_running_run_holding_lock(app, settings, session, user_id):
    running = PipelineRun(status="running", started_by="cli", started_at=utc_now())
    session.add(running)
    session.commit()

    with pipeline_lock(settings.lock_path):
        run = start_pipeline_run(app, user_id)

    assert run.run_id == running.run_id
    session.refresh(running)
    assert running.status == "running"


@pytest.mark.parametrize(
    "abandoned",
    [
        PipelineRun(status="running", started_by="app"),
        PipelineRun(
            status="queued",
            started_by="app",
            requested_at=utc_now() - timedelta(hours=1),
        ),
    ],
    ids=["running", "queued long ago"],
)
def test_start_replaces_abandoned_run(app, session, user_id, abandoned, monkeypatch):
    monkeypatch.setenv("IMHARS_DBT_PROJECT_DIR", str(FAILING_DBT_PROJECT))
    session.add(abandoned)
    session.commit()

    run = start_pipeline_run(app, user_id)

    assert run.run_id != abandoned.run_id
    session.refresh(abandoned)
    assert abandoned.status == "failed"
    assert "stopped without recording a result" in abandoned.message
    wait_until_finished(session, run.run_id)


def test_latest_runs_lists_newest_first(session):
    for status in ("failed", "succeeded", "failed"):
        session.add(PipelineRun(status=status, started_by="cli"))
    session.commit()

    runs = latest_runs(session, limit=2)

    assert [run.run_id for run in runs] == [3, 2]
    assert last_successful_run(session).run_id == 2
