"""imhars-pipeline run: gates, exit statuses and pipeline_runs rows."""

import subprocess
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select

from survey_app.config import PROJECT_ROOT
from survey_app.models import PipelineRun

from .conftest import (
    FAILING_DBT_PROJECT,
    PASSING_DBT_PROJECT,
    add_responses,
    pipeline_environment,
    run_pipeline_command,
)
from .test_publish import publish

CONSOLE_SCRIPT = PROJECT_ROOT / ".venv" / "bin" / "imhars-pipeline"


def only_run(session) -> PipelineRun:
    runs = session.scalars(select(PipelineRun)).all()
    assert len(runs) == 1
    return runs[0]


def published_snapshot(path: Path) -> tuple:
    status = path.stat()
    return path.read_bytes(), status.st_ino, status.st_mtime_ns


def test_help_documents_exit_statuses():
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "run", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )

    for line in ("0  every step passed", "1  a step failed", "3  another run"):
        assert line in result.stdout


def test_failing_dbt_build_leaves_published_identical(settings, session, survey):
    publish(settings, run_id=100, label="published before")
    before = published_snapshot(settings.published_path)
    add_responses(session, survey, 3)

    result = run_pipeline_command(settings, "run", dbt_project=FAILING_DBT_PROJECT)

    assert result.returncode == 1
    assert "dbt build failed" in result.stderr
    assert "test.pipeline_failing.assert_no_responses" in result.stderr
    assert published_snapshot(settings.published_path) == before
    assert list(settings.build_dir.iterdir()) == []
    run = only_run(session)
    assert run.status == "failed"
    assert run.started_by == "cli"
    assert run.message.startswith("dbt build failed")
    assert run.finished_at >= run.started_at


def test_failing_validation_leaves_published_identical(settings, session, survey):
    publish(settings, run_id=100, label="published before")
    before = published_snapshot(settings.published_path)
    add_responses(session, survey, 3)

    # The test project builds no marts, so the suites on marts fail.
    result = run_pipeline_command(settings, "run", dbt_project=PASSING_DBT_PROJECT)

    assert result.returncode == 1
    assert "validation failed" in result.stderr
    assert published_snapshot(settings.published_path) == before
    assert list(settings.build_dir.iterdir()) == []
    run = only_run(session)
    assert run.status == "failed"
    assert (settings.reports_dir / f"run-{run.run_id}.html").is_file()
    assert (settings.reports_dir / "latest.html").is_file()


def test_run_marks_abandoned_run_failed(settings, session, survey):
    abandoned = PipelineRun(status="running", started_by="app")
    session.add(abandoned)
    session.commit()

    run_pipeline_command(settings, "run", dbt_project=FAILING_DBT_PROJECT)

    session.refresh(abandoned)
    assert abandoned.status == "failed"
    assert "stopped without recording a result" in abandoned.message


@pytest.mark.parametrize(
    ("run", "message"),
    [
        (None, "pipeline run 42 does not exist"),
        (PipelineRun(run_id=42, status="succeeded", started_by="app"), "is succeeded"),
    ],
)
def test_run_rejects_run_id_not_queued(settings, session, run, message):
    if run is not None:
        session.add(run)
        session.commit()

    result = run_pipeline_command(settings, "run", "--run-id", "42")

    assert result.returncode == 4
    assert message in result.stderr
    assert not settings.raw_path.exists()


def test_run_rejects_missing_store(settings, tmp_path):
    missing = tmp_path / "missing" / "imhars.sqlite"
    environment = pipeline_environment(settings)
    environment["IMHARS_DATABASE_URL"] = f"sqlite:///{missing}"

    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "run"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 4
    assert f"the operational store {missing} does not exist" in result.stderr
    assert not missing.parent.exists()


@pytest.mark.dbt
@pytest.mark.slow
def test_run_publishes_real_project(app, settings, session, survey):
    add_responses(session, survey, 30)

    first = subprocess.run(
        [str(CONSOLE_SCRIPT), "run"],
        env=pipeline_environment(settings),
        capture_output=True,
        text=True,
        check=False,
    )

    assert first.returncode == 0, first.stderr[-3000:]
    assert first.stdout.startswith("Published 30 responses (30 new, 0 removed)")
    run = only_run(session)
    assert run.status == "succeeded"
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        publication = connection.execute(
            "select run_id, n_responses from marts.publication"
        ).fetchall()
        cells = connection.execute(
            "select count(*) from marts.component_indicators"
        ).fetchone()[0]
    assert publication == [(run.run_id, 30)]
    assert cells > 0

    add_responses(session, survey, 5)
    second = run_pipeline_command(settings, "run")

    assert second.returncode == 0, second.stderr[-3000:]
    assert "Published 35 responses (5 new, 0 removed)" in second.stdout
