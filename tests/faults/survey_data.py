"""Schools, windows and generated responses for the pipeline and operations tests.

Responses are written through the app's models, as an import stores them.
The same seed always gives the same rows, so two stores built alike load
into the same warehouse.
"""

import random
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from survey_app.calendar import academic_year_bounds
from survey_app.db import get_db
from survey_app.models import (
    Answer,
    Question,
    Response,
    School,
    SurveyLink,
    SurveyWindow,
)
from survey_app.windows import create_school, create_window

from .store import create_store, make_app

PUPIL_YEARS = {"pupil_primary": range(3, 7), "pupil_secondary": range(7, 14)}


def create_surveys(var_dir: Path, academic_years: list[str]) -> None:
    """Create the store, and a primary and a secondary school with a window
    in each academic year."""
    create_store(var_dir)
    app = make_app(var_dir)
    try:
        with app.app_context():
            db = get_db()
            for name, phase in (
                ("Hillside Primary", "primary"),
                ("Northgate High", "secondary"),
            ):
                school = create_school(db, name, phase)
                for academic_year in academic_years:
                    create_window(db, school.school_id, academic_year)
            db.commit()
    finally:
        app.extensions["db_engine"].dispose()


def add_responses(
    var_dir: Path,
    count: int,
    seed: int,
    academic_year: str | None = None,
    school_name: str | None = None,
    stakeholder_group: str | None = None,
) -> list[str]:
    """Store count generated responses through the links that match; return
    their response ids."""
    rng = random.Random(seed)
    app = make_app(var_dir)
    try:
        with app.app_context():
            db = get_db()
            query = (
                select(SurveyLink)
                .join(SurveyWindow)
                .join(School)
                .order_by(SurveyLink.link_id)
            )
            if academic_year is not None:
                query = query.where(SurveyWindow.academic_year == academic_year)
            if school_name is not None:
                query = query.where(School.name == school_name)
            if stakeholder_group is not None:
                query = query.where(SurveyLink.stakeholder_group == stakeholder_group)
            links = db.scalars(query).all()
            response_ids = [
                _add_response(db, rng, rng.choice(links)) for _ in range(count)
            ]
            db.commit()
            return response_ids
    finally:
        app.extensions["db_engine"].dispose()


def _add_response(db, rng: random.Random, link: SurveyLink) -> str:
    window = link.window
    questions = db.scalars(
        select(Question)
        .where(
            Question.bank_version == window.bank_version,
            Question.stakeholder_group == link.stakeholder_group,
        )
        .order_by(Question.position)
    ).all()
    points = 3 if link.stakeholder_group == "pupil_primary" else 5
    # Most respondents lean one way, so indicators differ between groups.
    lean = rng.randint(1, points)
    years = PUPIL_YEARS.get(link.stakeholder_group)
    first_day, _ = academic_year_bounds(window.academic_year)
    response = Response(
        response_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        window_id=window.window_id,
        link_id=link.link_id,
        stakeholder_group=link.stakeholder_group,
        bank_version=window.bank_version,
        submitted_on=first_day + timedelta(days=rng.randint(30, 200)),
        year_group=rng.choice(list(years)) if years and rng.random() < 0.9 else None,
        is_too_fast=rng.random() < 0.05,
        source="survey",
    )
    response.answers = [
        _answer(rng, question.question_id, lean, points) for question in questions
    ]
    db.add(response)
    return response.response_id


def _answer(rng: random.Random, question_id: str, lean: int, points: int) -> Answer:
    if rng.random() < 0.08:
        return Answer(question_id=question_id, value=None, is_dont_know=True)
    value = min(points, max(1, lean + rng.choice((-1, 0, 0, 1))))
    return Answer(question_id=question_id, value=value, is_dont_know=False)
