"""Fixtures for the results pages: schools, staff users and a published warehouse."""

import pytest
from auth.pages import PASSWORD, add_user, sign_in

from pipeline.settings import PipelineSettings
from survey_app.db import get_db
from survey_app.models import School

from .published import PublishedMarts

HILLTOP = 1
RIVERSIDE = 2


@pytest.fixture
def schools(app) -> None:
    """Hilltop Primary (school 1) and Riverside Academy (school 2) in the store."""
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
        db.commit()


@pytest.fixture
def published_path(app):
    return PipelineSettings.from_config(app.config).published_path


@pytest.fixture
def marts(published_path) -> PublishedMarts:
    """An empty set of marts; the test adds rows and calls publish()."""
    return PublishedMarts(published_path)


@pytest.fixture
def published(schools, marts):
    """The two schools' figures, published. Their distinctive values:

    - Hilltop 2024/25: pupils 48 (C1 62.4, interval 55.4-69.4). Parents 9,
      suppressed, with a score of 93.3 left in the row. Staff linked, with
      no responses. Governors 12 (alpha 0.55). The pupils' key stages are
      suppressed, with scores from 81 up left in their rows.
    - Hilltop 2023/24: pupils 30 (C1 55.0).
    - Riverside 2024/25: pupils 77 (C1 38.6, interval 31.3-45.9), with key
      stages 3 to 5 visible. Parents 15.
    """
    marts.add_school(HILLTOP, "Hilltop Primary", "primary")
    marts.add_school(RIVERSIDE, "Riverside Academy", "secondary")

    year = "2024/25"
    marts.add_window(HILLTOP, year)
    marts.add_response_count(HILLTOP, year, "pupil_primary", 48, number_on_roll=120)
    marts.add_response_count(HILLTOP, year, "parent", 9)
    marts.add_response_count(HILLTOP, year, "staff", 0, number_on_roll=30)
    marts.add_response_count(HILLTOP, year, "governor", 12, n_excluded=1)
    marts.add_cells(HILLTOP, year, "pupil_primary", 48, 62.4)
    marts.add_cells(HILLTOP, year, "parent", 9, 93.3, half_width=3.0)
    marts.add_cells(HILLTOP, year, "governor", 12, 50.2, alpha=0.55, pct_positive=58.0)
    marts.add_cells(
        HILLTOP,
        year,
        "pupil_primary",
        40,
        81.0,
        key_stage="KS2",
        suppression_reason="complementary",
    )
    marts.add_cells(HILLTOP, year, "pupil_primary", 8, 85.0, key_stage="not_stated")

    marts.add_window(HILLTOP, "2023/24")
    marts.add_response_count(HILLTOP, "2023/24", "pupil_primary", 30)
    marts.add_cells(HILLTOP, "2023/24", "pupil_primary", 30, 55.0)

    marts.add_window(RIVERSIDE, year)
    marts.add_response_count(RIVERSIDE, year, "pupil_secondary", 77)
    marts.add_response_count(RIVERSIDE, year, "parent", 15)
    marts.add_cells(RIVERSIDE, year, "pupil_secondary", 77, 38.6, half_width=7.3)
    marts.add_cells(RIVERSIDE, year, "parent", 15, 44.4)
    for key_stage, n in (("KS3", 30), ("KS4", 25), ("KS5", 12)):
        marts.add_cells(
            RIVERSIDE, year, "pupil_secondary", n, 40.0, key_stage=key_stage
        )
    return marts.publish()


@pytest.fixture
def sign_in_as(app, client, schools):
    """Create a user of a role (school users at Hilltop by default) and sign in."""

    def sign_in_role(role: str, school_id: int | None = None):
        if role == "school" and school_id is None:
            school_id = HILLTOP
        email = f"{role}-{school_id or 'all'}@staff.example"
        add_user(app, email, role, school_id)
        response = sign_in(client, email, PASSWORD)
        assert response.status_code == 302
        return client

    return sign_in_role
