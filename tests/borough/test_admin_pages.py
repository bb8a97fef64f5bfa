"""The administration pages: schools, survey windows, accounts and the audit log."""

import json

import pytest
from auth.pages import check_page, csrf_token, sign_in, text_of
from sqlalchemy import select

from survey_app.db import get_db
from survey_app.models import AuditEvent, School, SchoolRoll, SurveyWindow, User
from survey_app.passwords import verify_password

from .warehouse import HILLTOP, MEADOW, RIVERSIDE


@pytest.fixture
def administrator(sign_in_as):
    return sign_in_as("admin")


def audit_events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            get_db().scalars(
                select(AuditEvent)
                .where(AuditEvent.action == action)
                .order_by(AuditEvent.event_id)
            )
        )


def errors_of(response) -> list[str]:
    return check_page(response).texts(".govuk-error-summary li")


def post_form(client, path: str, data: dict):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


SCHOOL = {
    "name": "Oak Tree Primary",
    "urn": "123456",
    "phase": "primary",
    "roll_pupil_primary": "210",
    "roll_staff": "30",
}
WINDOW_DATES = {"opens_on": ["12", "1", "2026"], "closes_on": ["27", "3", "2026"]}


# Access


@pytest.mark.parametrize(
    "path",
    [
        "/admin",
        "/admin/schools",
        "/admin/schools/new",
        "/admin/windows/new",
        "/admin/accounts",
        "/admin/accounts/new",
        "/admin/audit-log",
    ],
)
@pytest.mark.parametrize("role", ["school", "borough"])
def test_admin_pages_refused_to_others(sign_in_as, role, path):
    response = sign_in_as(role).get(path)

    assert response.status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/admin",
        "/admin/schools",
        "/admin/schools/new",
        "/admin/windows/new",
        "/admin/accounts",
        "/admin/accounts/new",
        "/admin/audit-log",
    ],
)
def test_admin_pages_render(administrator, path):
    page = check_page(administrator.get(path))

    assert page.title


def test_post_without_csrf_token_changes_nothing(app, administrator):
    response = administrator.post("/admin/schools/new", data=SCHOOL)

    assert response.status_code == 302
    with app.app_context():
        assert get_db().scalar(select(School).where(School.urn == "123456")) is None


# Schools


def test_admin_creates_school_with_rolls(app, administrator):
    response = post_form(administrator, "/admin/schools/new", SCHOOL)

    assert response.status_code == 303
    with app.app_context():
        db = get_db()
        school = db.scalar(select(School).where(School.urn == "123456"))
        rolls = {
            roll.stakeholder_group: roll.number_on_roll
            for roll in db.scalars(
                select(SchoolRoll).where(SchoolRoll.school_id == school.school_id)
            )
        }
    assert school.name == "Oak Tree Primary"
    assert school.phase == "primary"
    assert rolls == {"pupil_primary": 210, "staff": 30}
    events = audit_events(app, "school.created")
    assert len(events) == 1
    assert events[0].object_id == str(school.school_id)
    assert json.loads(events[0].detail_json)["urn"] == "123456"
    listing = check_page(administrator.get(response.headers["Location"]))
    assert "Oak Tree Primary" in listing.texts("#schools-table th")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Enter the school’s name"),
        ({"urn": "12345"}, "URN must be 6 digits, like 100123"),
        ({"urn": "10000a"}, "URN must be 6 digits, like 100123"),
        ({"urn": "100001"}, "URN 100001 already belongs to Hilltop Primary"),
        ({"phase": ""}, "Select the school’s phase"),
        ({"phase": "nursery"}, "Select the school’s phase"),
        (
            {"roll_staff": "thirty"},
            "Enter the number of staff as a whole number, like 120",
        ),
        ({"roll_staff": "0"}, "Number on roll must be between 1 and 100,000"),
        (
            {"roll_pupil_secondary": "300"},
            "A primary school does not survey this group: leave it empty",
        ),
    ],
)
def test_bad_school_rejected_with_message(app, administrator, changes, message):
    response = post_form(administrator, "/admin/schools/new", {**SCHOOL, **changes})

    errors = errors_of(response)
    assert any(error.startswith(message) for error in errors), errors
    assert audit_events(app, "school.created") == []


# Survey windows


def test_admin_opens_windows_for_several_schools(app, administrator):
    response = post_form(
        administrator,
        "/admin/windows/new",
        {
            "phases": ["primary"],
            "school_ids": [str(RIVERSIDE)],
            "academic_year": "2025/26",
            **WINDOW_DATES,
        },
    )

    page = check_page(response)
    assert page.text("h1") == "Survey windows for 2025/26"
    assert page.text("#opened") == "Opened: 3"
    with app.app_context():
        windows = get_db().scalars(
            select(SurveyWindow).where(SurveyWindow.academic_year == "2025/26")
        )
        assert {window.school_id for window in windows} == {
            HILLTOP,
            RIVERSIDE,
            MEADOW,
        }
    assert len(audit_events(app, "survey_window.created")) == 3


def test_existing_window_reported_not_duplicated(app, administrator):
    form = {"school_ids": [str(HILLTOP)], "academic_year": "2025/26", **WINDOW_DATES}
    post_form(administrator, "/admin/windows/new", form)

    response = post_form(
        administrator,
        "/admin/windows/new",
        {**form, "school_ids": [str(HILLTOP), str(MEADOW)]},
    )

    page = check_page(response)
    assert page.text("#opened") == "Opened: 1"
    assert page.text("#existing") == "Already open for 2025/26: 1"
    assert "Hilltop Primary" in " ".join(page.texts("ul[aria-labelledby=existing] li"))
    with app.app_context():
        count = len(
            get_db()
            .scalars(select(SurveyWindow).where(SurveyWindow.school_id == HILLTOP))
            .all()
        )
    assert count == 1
    assert len(audit_events(app, "survey_window.created")) == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"academic_year": "2025-26"}, "Academic year must be written like 2025/26"),
        ({"academic_year": "2025/27"}, "Academic year must be written like 2025/26"),
        ({"opens_on": ["31", "2", "2026"]}, "Opening date must be a real date"),
        ({"opens_on": "2026-01-12"}, "Opening date must be a real date"),
        ({"closes_on": ["", "", ""]}, "Enter the closing date"),
        (
            {"opens_on": ["1", "8", "2025"]},
            "Opening date must be in 2025/26, from 1 September 2025",
        ),
        (
            {"closes_on": ["1", "1", "2026"]},
            "Closing date must be the same as or after the opening date",
        ),
        ({"school_ids": []}, "Select at least one school or phase"),
    ],
)
def test_bad_windows_rejected_with_message(app, administrator, changes, message):
    form = {
        "school_ids": [str(HILLTOP)],
        "academic_year": "2025/26",
        **WINDOW_DATES,
        **changes,
    }

    errors = errors_of(post_form(administrator, "/admin/windows/new", form))

    assert any(error.startswith(message) for error in errors), errors
    assert audit_events(app, "survey_window.created") == []


# Accounts


ACCOUNT = {
    "email": "Lead@Meadow.example",
    "display_name": "Mo Meadow",
    "role": "school",
    "school_id": str(MEADOW),
    "password_choice": "generate",
}


def test_generated_password_shown_once_and_works(app, administrator):
    response = post_form(administrator, "/admin/accounts/new", ACCOUNT)

    page = check_page(response)
    password = page.text("#generated-password")
    with app.app_context():
        user = get_db().scalar(select(User).where(User.email == "lead@meadow.example"))
    assert user.role == "school"
    assert user.school_id == MEADOW
    assert password not in user.password_hash
    assert verify_password(user.password_hash, password)
    event = audit_events(app, "user.created")[0]
    assert password not in event.detail_json
    assert json.loads(event.detail_json)["password"] == "generated"
    assert user.must_change_password is True
    new_client = app.test_client()
    assert sign_in(new_client, "lead@meadow.example", password).status_code == 302
    # The administrator knows this password, so the new user must replace it.
    assert new_client.get("/results").headers["Location"] == "/account/password"
    listing = check_page(administrator.get("/admin/accounts"))
    assert password not in listing.html


def test_typed_password_account(app, administrator):
    typed = "a long typed password"

    response = post_form(
        administrator,
        "/admin/accounts/new",
        {
            **ACCOUNT,
            "role": "borough",
            "school_id": "",
            "password_choice": "type",
            "password": typed,
        },
    )

    page = check_page(response)
    assert not page.select("#generated-password")
    assert typed not in page.html
    with app.app_context():
        user = get_db().scalar(select(User).where(User.email == "lead@meadow.example"))
    assert user.role == "borough"
    assert user.school_id is None
    assert verify_password(user.password_hash, typed)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": ""}, "Enter the person’s email address"),
        ({"email": "lead at meadow"}, "Email address ‘lead at meadow’ is not valid"),
        (
            {"email": "school@staff.example"},
            "An account with the email address school@staff.example exists",
        ),
        ({"display_name": "  "}, "Enter the person’s name"),
        ({"role": ""}, "Select what the person can see and do"),
        ({"school_id": ""}, "Select the person’s school"),
        ({"password_choice": "type"}, "Enter a password, or choose to have one made"),
        (
            {"password_choice": "type", "password": "short"},
            "Password must be 12 characters or more",
        ),
    ],
)
def test_bad_account_rejected_with_message(
    app, administrator, sign_in_as, changes, message
):
    sign_in_as("school")

    errors = errors_of(
        post_form(administrator, "/admin/accounts/new", {**ACCOUNT, **changes})
    )

    assert any(error.startswith(message) for error in errors), errors
    assert audit_events(app, "user.created") == []


# Audit log


def test_audit_log_lists_each_change(administrator):
    post_form(administrator, "/admin/schools/new", SCHOOL)
    post_form(
        administrator,
        "/admin/windows/new",
        {"school_ids": [str(HILLTOP)], "academic_year": "2025/26", **WINDOW_DATES},
    )
    post_form(administrator, "/admin/accounts/new", ACCOUNT)

    page = check_page(administrator.get("/admin/audit-log"))

    actions = [row.get("data-action") for row in page.select("#audit-table tbody tr")]
    assert actions[:3] == ["user.created", "survey_window.created", "school.created"]
    rows = page.texts("#audit-table tbody tr")
    assert "admin@staff.example" in rows[0]
    assert "lead@meadow.example" in rows[0]
    assert "Oak Tree Primary" in rows[2]


def test_audit_log_pages(app, administrator):
    with app.app_context():
        db = get_db()
        for number in range(60):
            db.add(
                AuditEvent(
                    action="test.event", object_type="test", object_id=str(number)
                )
            )
        db.commit()

    first = check_page(administrator.get("/admin/audit-log"))
    second = check_page(administrator.get("/admin/audit-log?page=2"))

    assert len(first.select("#audit-table tbody tr")) == 50
    assert len(second.select("#audit-table tbody tr")) > 0
    assert administrator.get("/admin/audit-log?page=9").status_code == 404
    assert administrator.get("/admin/audit-log?page=x").status_code == 404


@pytest.mark.parametrize(
    ("role", "sections"),
    [
        ("school", []),
        ("borough", [("/borough", "Borough")]),
        ("admin", [("/borough", "Borough"), ("/admin", "Administration")]),
    ],
)
def test_navigation_links_by_role(sign_in_as, role, sections):
    page = check_page(sign_in_as(role).get("/sign-out"))

    links = [
        (link.get("href"), text_of(link))
        for link in page.select(".govuk-service-navigation a")
    ]

    assert links[3:] == [*sections, ("/account/password", "Change password")]
