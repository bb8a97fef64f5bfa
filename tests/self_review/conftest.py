"""Fixtures for the self-review tests: two schools and their staff."""

from datetime import date

import pytest
from auth.pages import add_user

from survey_app.db import get_db
from survey_app.models import School, SurveyWindow

from .pages import HILLTOP, RIVERSIDE, sign_in_as


@pytest.fixture
def schools(app) -> None:
    """Hilltop Primary (school 1) and Riverside Academy (school 2) in the store,
    each with survey windows for 2024/25 and 2025/26."""
    with app.app_context():
        db = get_db()
        db.add_all(
            [
                School(school_id=HILLTOP, name="Hilltop Primary", phase="primary"),
                School(
                    school_id=RIVERSIDE, name="Riverside Academy", phase="secondary"
                ),
            ]
        )
        for school_id in (HILLTOP, RIVERSIDE):
            for start in (2024, 2025):
                db.add(
                    SurveyWindow(
                        school_id=school_id,
                        academic_year=f"{start}/{(start + 1) % 100:02d}",
                        opens_on=date(start + 1, 1, 6),
                        closes_on=date(start + 1, 3, 28),
                        bank_version="2024.1",
                    )
                )
        db.commit()


@pytest.fixture
def users(app, schools) -> dict[str, int]:
    """Staff of each school, a second Hilltop lead, and a borough officer."""
    return {
        "hilltop": add_user(
            app, "lead@hilltop.example", "school", HILLTOP, display_name="Alex Hill"
        ),
        "hilltop_second": add_user(
            app,
            "head@hilltop.example",
            "school",
            HILLTOP,
            display_name="Bea Stone",
        ),
        "riverside": add_user(
            app,
            "lead@riverside.example",
            "school",
            RIVERSIDE,
            display_name="Cal Rivers",
        ),
        "borough": add_user(
            app, "officer@borough.example", "borough", display_name="Dee Borough"
        ),
    }


@pytest.fixture
def make_client(app, users):
    """Return a new test client signed in as the named user."""

    def make(name: str):
        client = app.test_client()
        sign_in_as(client, users[name])
        return client

    return make
