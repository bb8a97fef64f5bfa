"""Fixtures for the questionnaire tests: open surveys, respondents and the store."""

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from survey_app.calendar import academic_year_bounds, academic_year_for, london_today
from survey_app.db import codes_path_for, get_db
from survey_app.models import SurveyLink, User
from survey_app.windows import create_school, create_window, issue_access_codes
from survey_app.windows import set_access as set_link_access

from .pages import Page, check_page


@dataclass(frozen=True)
class SurveyInfo:
    """A school with one window, and its link tokens and ids by stakeholder group."""

    school_id: int
    window_id: int
    tokens: dict[str, str]
    link_ids: dict[str, int]


def current_academic_year() -> str:
    return academic_year_for(london_today())


def shift_academic_year(academic_year: str, years: int) -> str:
    start, _ = academic_year_bounds(academic_year)
    return academic_year_for(date(start.year + years, 10, 1))


@pytest.fixture
def make_survey(app):
    """Create a school and a window (open today unless dates say otherwise)."""

    def make(
        phase="primary",
        academic_year=None,
        opens_on=None,
        closes_on=None,
        name="Hillside Primary",
    ) -> SurveyInfo:
        with app.app_context():
            db = get_db()
            school = create_school(db, name, phase)
            window = create_window(
                db,
                school.school_id,
                academic_year or current_academic_year(),
                opens_on=opens_on,
                closes_on=closes_on,
            )
            db.commit()
            return SurveyInfo(
                school_id=school.school_id,
                window_id=window.window_id,
                tokens={link.stakeholder_group: link.token for link in window.links},
                link_ids={
                    link.stakeholder_group: link.link_id for link in window.links
                },
            )

    return make


@pytest.fixture
def survey(make_survey) -> SurveyInfo:
    """A primary school whose window is open today."""
    return make_survey()


@pytest.fixture
def set_access(app):
    """Change a link's access settings."""

    def change(link_id: int, mode="open", kiosk=False, number_on_roll=None):
        with app.app_context():
            db = get_db()
            set_link_access(db.get(SurveyLink, link_id), mode, kiosk, number_on_roll)
            db.commit()

    return change


@pytest.fixture
def issue_codes(app):
    """Put a link in codes mode and return count fresh codes for it."""

    def issue(link_id: int, count=3, label="5B") -> list[str]:
        with app.app_context():
            db = get_db()
            link = db.get(SurveyLink, link_id)
            set_link_access(link, "codes", link.kiosk, link.number_on_roll)
            codes = issue_access_codes(db, link, label, count)
            db.commit()
            return codes

    return issue


@pytest.fixture
def store(app):
    """A plain sqlite3 connection to the app's store, for checking what is stored.

    The access codes file is attached as schema codes, as the app attaches it.
    """
    path = Path(app.config["SQLALCHEMY_DATABASE_URL"].removeprefix("sqlite:///"))
    connection = sqlite3.connect(path)
    connection.execute("attach database ? as codes", (str(codes_path_for(path)),))
    yield connection
    connection.close()


@pytest.fixture
def staff_client(app):
    """Return a test client signed in as a new staff user of role and school.

    The tests put the user id in the session as sign-in does, so the user
    needs no usable password.
    """

    def make(role="school", school_id=None, email="lead@example.org"):
        with app.app_context():
            db = get_db()
            user = User(
                email=email,
                display_name="Alex Lead",
                password_hash="not a usable hash",
                role=role,
                school_id=school_id,
            )
            db.add(user)
            db.commit()
            user_id = user.user_id
        client = app.test_client()
        with client.session_transaction() as session:
            session["user_id"] = user_id
        return client

    return make


class Respondent:
    """Answers a questionnaire through the Flask test client, as a browser would."""

    def __init__(self, client, token: str):
        self.client = client
        self.token = token
        self.base = f"/s/{token}"

    def get(self, path: str = "", status: int = 200) -> Page:
        return check_page(self.client.get(self.base + path), status)

    def start(self, code: str | None = None):
        page = self.get()
        data = page.hidden_fields()
        data["action"] = "start"
        if code is not None:
            data["access_code"] = code
        return self.client.post(self.base, data=data)

    def post_page(self, path: str, answers: dict, page: Page | None = None, **extra):
        """POST a page's form with its hidden fields plus answers."""
        page = page or self.get(path)
        data = page.hidden_fields()
        data.update(answers)
        data.update(extra)
        return self.client.post(self.base + path, data=data)

    def answer_all(self, answer="2", year_group="4"):
        """Answer every unanswered step, starting where the check page sends
        an unfinished questionnaire; return the response of the last POST."""
        response = None
        location = self.client.get(self.base + "/check").headers.get("Location", "")
        if location.endswith("/year-group"):
            response = self.post_page("/year-group", {"year_group": year_group})
            location = response.headers["Location"]
        while "/page/" in location:
            path = location.removeprefix(self.base)
            page = self.get(path)
            answers = {
                name: answer(name) if callable(answer) else answer
                for name in page.radio_names()
            }
            response = self.post_page(path, answers, page=page)
            assert response.status_code == 303, Page.of(response).title
            location = response.headers["Location"]
        return response

    def submit(self):
        """Start, answer everything and send, and return the last POST's response."""
        response = self.start()
        assert response.status_code == 303
        self.answer_all()
        return self.send()

    def send(self, page: Page | None = None):
        page = page or self.get("/check")
        return self.client.post(self.base + "/check", data=page.hidden_fields())


@pytest.fixture
def respondent(client, survey) -> Respondent:
    """A respondent on the primary survey's pupil link."""
    return Respondent(client, survey.tokens["pupil_primary"])


def yesterday() -> date:
    return london_today() - timedelta(days=1)
