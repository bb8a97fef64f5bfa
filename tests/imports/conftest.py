"""Fixtures for the import tests: two schools, sample files and a stored-data check."""

import uuid
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from survey_app.calendar import academic_year_bounds
from survey_app.db import get_db
from survey_app.imports import import_responses
from survey_app.models import (
    BankGroup,
    ImportedResponse,
    Question,
    Response,
    ResponseImport,
    Scale,
    SurveyWindow,
)
from survey_app.questionnaire import YEAR_GROUPS
from survey_app.windows import create_school

FILES = Path(__file__).parent / "files"
TODAY = date(2026, 1, 15)


@pytest.fixture
def schools(app) -> dict[str, int]:
    """A primary (URN 100001) and a secondary school (URN 100002), by URN."""
    with app.app_context():
        session = get_db()
        primary = create_school(session, "Hilltop Primary", "primary", urn="100001")
        secondary = create_school(
            session, "Riverside Academy", "secondary", urn="100002"
        )
        session.commit()
        return {"100001": primary.school_id, "100002": secondary.school_id}


@pytest.fixture
def run_import(app, schools):
    """Import a file in an app context and return the ImportResult."""

    def run(file_path, mapping_path, **options):
        options.setdefault("imported_by", "tester")
        options.setdefault("today", TODAY)
        with app.app_context():
            return import_responses(get_db(), file_path, mapping_path, **options)

    return run


@pytest.fixture
def write_mapping(tmp_path):
    """Write a copy of a sample mapping with keys removed or replaced."""

    def write(base: str, name: str = "mapping.yml", remove=(), **changes) -> Path:
        data = yaml.safe_load((FILES / base).read_text(encoding="utf-8"))
        for key in remove:
            data.pop(key)
        data.update(changes)
        path = tmp_path / "mappings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    return write


def count_rows(app, model) -> int:
    with app.app_context():
        return get_db().scalar(select(func.count()).select_from(model))


def stored_responses(app) -> list[dict]:
    """Return every stored response with its answers as plain dicts."""
    with app.app_context():
        session = get_db()
        responses = session.scalars(
            select(Response).order_by(Response.response_seq)
        ).all()
        return [
            {
                "response_id": response.response_id,
                "submitted_on": response.submitted_on,
                "year_group": response.year_group,
                "is_too_fast": response.is_too_fast,
                "source": response.source,
                "link_id": response.link_id,
                "answers": {
                    answer.question_id: (answer.value, answer.is_dont_know)
                    for answer in response.answers
                },
            }
            for response in responses
        ]


def check_stored_imports(app) -> None:
    """Assert that every imported response is valid against its bank and window."""
    with app.app_context():
        session = get_db()
        questions = {
            (row.bank_version, row.stakeholder_group): set()
            for row in session.scalars(select(BankGroup))
        }
        for question in session.scalars(select(Question)):
            key = (question.bank_version, question.stakeholder_group)
            questions[key].add(question.question_id)
        points = {
            (group.bank_version, group.stakeholder_group): session.get(
                Scale, (group.bank_version, group.scale_id)
            )
            for group in session.scalars(select(BankGroup))
        }
        imported = session.scalars(
            select(Response).where(Response.source == "import")
        ).all()
        for response in imported:
            assert str(uuid.UUID(response.response_id, version=4)) == (
                response.response_id
            )
            window = session.get(SurveyWindow, response.window_id)
            first_day, last_day = academic_year_bounds(window.academic_year)
            assert first_day <= response.submitted_on <= last_day
            assert response.bank_version == window.bank_version
            assert response.link_id is None
            allowed_years = YEAR_GROUPS.get(response.stakeholder_group, ())
            assert response.year_group is None or response.year_group in allowed_years
            key = (response.bank_version, response.stakeholder_group)
            scale = points[key]
            assert response.answers, "an imported response has no answers"
            for answer in response.answers:
                assert answer.question_id in questions[key]
                if answer.is_dont_know:
                    assert answer.value is None
                    assert scale.dont_know_label
                else:
                    assert 1 <= answer.value <= scale.points
        for record in session.scalars(select(ResponseImport)):
            linked = session.scalar(
                select(func.count())
                .select_from(ImportedResponse)
                .where(ImportedResponse.import_id == record.import_id)
            )
            assert linked == record.rows_imported
        unlinked = session.scalar(
            select(func.count())
            .select_from(Response)
            .where(
                Response.source == "import",
                Response.response_seq.not_in(select(ImportedResponse.response_seq)),
            )
        )
        assert unlinked == 0


def database_bytes(app) -> bytes:
    """Return the SQLite file and its write-ahead log, to search for personal data."""
    app.extensions["db_engine"].dispose()
    path = Path(app.config["SQLALCHEMY_DATABASE_URL"].removeprefix("sqlite:///"))
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        data += wal.read_bytes()
    return data
