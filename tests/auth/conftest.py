"""Fixtures for the sign-in and account tests: schools and staff users."""

import pytest

from survey_app.db import get_db
from survey_app.models import School

from .pages import PASSWORD, add_user

__all__ = ["PASSWORD"]


@pytest.fixture
def school_ids(app) -> list[int]:
    """Two schools in the operational store; returns their ids."""
    with app.app_context():
        db = get_db()
        schools = [
            School(name="Hilltop Primary", urn="100001", phase="primary"),
            School(name="Riverside Academy", urn="100002", phase="secondary"),
        ]
        db.add_all(schools)
        db.commit()
        return [school.school_id for school in schools]


@pytest.fixture
def make_user(app):
    """Create a staff user with PASSWORD (unless given) and return its id."""

    def make(email, role="borough", school_id=None, **fields):
        return add_user(app, email, role, school_id, **fields)

    return make
