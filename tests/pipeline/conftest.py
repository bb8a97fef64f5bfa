"""Fixtures for the pipeline: settings on temporary files and survey data."""

import os
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select

from pipeline.settings import PipelineSettings
from survey_app.models import (
    AccessCode,
    AccessCodeBatch,
    Answer,
    Question,
    Response,
    School,
    SchoolRoll,
    SurveyLink,
    SurveyWindow,
)

BANK_VERSION = "2024.1"
FAILING_DBT_PROJECT = Path(__file__).parent / "dbt_projects" / "failing"
PASSING_DBT_PROJECT = Path(__file__).parent / "dbt_projects" / "passing"


@pytest.fixture
def settings(app) -> PipelineSettings:
    """Pipeline settings on the app fixture's temporary store and warehouse."""
    return PipelineSettings.from_config(app.config)


@pytest.fixture
def session(app):
    """A session on the app's store; tests commit through it."""
    with app.extensions["db_sessionmaker"]() as session:
        yield session


@pytest.fixture
def survey(session):
    """A school with a 2024/25 window and a link for primary pupils."""
    return create_survey(session)


def create_survey(
    session, name="Brook Primary", academic_year="2024/25", with_codes=True
) -> SurveyLink:
    """Create a school, its window and a primary pupils' link; return the link."""
    school = School(name=name, phase="primary")
    session.add(school)
    session.flush()

    session.add(
        SchoolRoll(
            school_id=school.school_id,
            stakeholder_group="pupil_primary",
            number_on_roll=120,
        )
    )
    window = SurveyWindow(
        school_id=school.school_id,
        academic_year=academic_year,
        opens_on=date(2024, 9, 2),
        closes_on=date(2025, 7, 18),
        bank_version=BANK_VERSION,
    )
    session.add(window)
    session.flush()

    link = SurveyLink(
        window_id=window.window_id,
        stakeholder_group="pupil_primary",
        token=uuid.uuid4().hex[:12],
        access_mode="codes" if with_codes else "open",
    )
    session.add(link)
    session.flush()

    if with_codes:
        batch = AccessCodeBatch(link_id=link.link_id, label="Class 4")
        session.add(batch)
        session.flush()
        for number in range(5):
            session.add(
                AccessCode(
                    code_hash=uuid.uuid4().hex,
                    link_id=link.link_id,
                    batch_id=batch.batch_id,
                    is_spent=number < 2,
                )
            )

    session.commit()
    return link


def add_responses(session, link: SurveyLink, count: int) -> list[int]:
    """Submit count questionnaires through link; return their response_seq."""
    window = session.get(SurveyWindow, link.window_id)
    question_ids = session.scalars(
        select(Question.question_id)
        .where(Question.bank_version == window.bank_version)
        .where(Question.stakeholder_group == link.stakeholder_group)
        .order_by(Question.position)
    ).all()
    responses = []
    for number in range(count):
        response = Response(
            response_id=str(uuid.uuid4()),
            window_id=window.window_id,
            link_id=link.link_id,
            stakeholder_group=link.stakeholder_group,
            bank_version=window.bank_version,
            submitted_on=date(2024, 11, 4),
            year_group=3 + number % 4,
            is_too_fast=number % 7 == 0,
        )
        response.answers = [
            Answer(question_id=question_id, value=None, is_dont_know=True)
            if (number + position) % 5 == 0
            else Answer(question_id=question_id, value=1 + (number + position) % 3)
            for position, question_id in enumerate(question_ids)
        ]
        session.add(response)
        responses.append(response)
    session.commit()
    return [response.response_seq for response in responses]


def query_raw(settings: PipelineSettings, sql: str, parameters=()) -> list[tuple]:
    """Run a query on raw.duckdb, attached as raw_store so schema raw is unambiguous."""
    with duckdb.connect(":memory:") as connection:
        connection.execute(f"attach '{settings.raw_path}' as raw_store (read_only)")
        connection.execute("use raw_store")
        return connection.execute(sql, list(parameters)).fetchall()


def raw_state(settings: PipelineSettings) -> dict:
    """Return what a load can change in raw: row counts and the watermark."""
    return {
        "responses": query_raw(settings, "select count(*) from raw.responses")[0][0],
        "answers": query_raw(settings, "select count(*) from raw.answers")[0][0],
        "schools": query_raw(settings, "select count(*) from raw.schools")[0][0],
        "watermark": query_raw(
            settings, "select last_response_seq from raw.load_state"
        )[0][0],
    }


def pipeline_environment(settings: PipelineSettings, dbt_project: Path | None = None):
    """Return the environment that points a pipeline process at settings."""
    environment = {
        **os.environ,
        "IMHARS_ENV": "test",
        "IMHARS_DATABASE_URL": settings.database_url,
        "IMHARS_VAR_DIR": str(settings.var_dir),
        "IMHARS_WAREHOUSE_DIR": str(settings.warehouse_dir),
    }
    if dbt_project is not None:
        environment["IMHARS_DBT_PROJECT_DIR"] = str(dbt_project)
    return environment


def run_pipeline_command(
    settings: PipelineSettings, *arguments: str, dbt_project: Path | None = None
) -> subprocess.CompletedProcess:
    """Run `python -m pipeline.cli ARGUMENTS` as the app's runner does."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *arguments],
        env=pipeline_environment(settings, dbt_project),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
