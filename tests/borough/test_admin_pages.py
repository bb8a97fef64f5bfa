"""The administration pages: schools, survey windows, accounts and the audit log."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from auth.pages import PASSWORD, add_user, check_page, csrf_token, sign_in, text_of
from sqlalchemy import select

from survey_app.admin import AdminError, set_account_active
from survey_app.calendar import academic_year_bounds, academic_year_for, london_today
from survey_app.db import get_db
from survey_app.models import AuditEvent, School, SchoolRoll, SurveyWindow, User
from survey_app.passwords import verify_password

from .warehouse import HILLTOP, MEADOW, RIVERSIDE


@pytest.fixture
def administrator(sign_in_as):
    return sign_in_as("admin")


def audit_events(app, action: str) -> list[AuditEvent]:
    """Return the events of an action made from the pages, not the command line."""
    with app.app_context():
        return list(
            get_db().scalars(
                select(AuditEvent)
                .where(AuditEvent.action == action, AuditEvent.user_id.is_not(None))
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


def _next_academic_year() -> str:
    """Return the academic year after today's, whose dates are all to come."""
    this_year_start, _ = academic_year_bounds(academic_year_for(london_today()))
    return academic_year_for(date(this_year_start.year + 1, 10, 1))


def _date_parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


# A window in the next academic year, so its dates are never in the past.
YEAR = _next_academic_year()
YEAR_START, YEAR_END = academic_year_bounds(YEAR)
OPENS = date(YEAR_START.year + 1, 1, 12)
CLOSES = date(YEAR_START.year + 1, 3, 27)
WINDOW_DATES = {"opens_on": _date_parts(OPENS), "closes_on": _date_parts(CLOSES)}


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
        f"/admin/schools/{HILLTOP}/edit",
        "/admin/accounts/1",
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
        f"/admin/schools/{HILLTOP}/edit",
        "/admin/accounts/1",
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


def test_school_name_keeps_zero_width_joiners(app, administrator):
    # Persian spells many words with U+200C ZERO WIDTH NON-JOINER.
    name = "دبستان می\u200cخواهم"
    school = {**SCHOOL, "name": name}

    created = post_form(administrator, "/admin/schools/new", school)
    repeated = post_form(
        administrator,
        "/admin/schools/new",
        {**school, "name": name.replace("\u200c", ""), "urn": "123457"},
    )

    assert created.status_code == 303
    with app.app_context():
        stored = get_db().scalar(select(School.name).where(School.urn == "123456"))
    assert stored == name
    assert any("already named" in error for error in errors_of(repeated))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Enter the school’s name"),
        (
            {"name": "A" * 250},
            f"School name ‘{'A' * 39}…’ is 250 characters long: shorten it to 200",
        ),
        ({"urn": "12345"}, "URN ‘12345’ is not valid: enter 6 digits, like 100123"),
        ({"urn": "10000a"}, "URN ‘10000a’ is not valid: enter 6 digits, like 100123"),
        ({"urn": "100001"}, "URN 100001 already belongs to Hilltop Primary"),
        ({"phase": ""}, "Select the school’s phase"),
        ({"phase": "nursery"}, "Select the school’s phase"),
        (
            {"roll_staff": "thirty"},
            "Number of staff ‘thirty’ is not a whole number: enter it in digits",
        ),
        ({"roll_staff": "0"}, "Number on roll 0 is not valid: enter a number between"),
        ({"roll_staff": "1_000"}, "Number of staff ‘1_000’ is not a whole number"),
        ({"roll_staff": "١٢٠"}, "Number of staff ‘١٢٠’ is not a whole number"),
        ({"roll_staff": "+5"}, "Number of staff ‘+5’ is not a whole number"),
        (
            {"roll_staff": "9" * 400},
            "Number on roll 9999999999999999999… is not valid: enter a number",
        ),
        (
            {"roll_staff": "9" * 15},
            "Number on roll 999,999,999,999,999 is not valid: enter a number",
        ),
        ({"urn": "١٢٣٤٥٦"}, "URN ‘١٢٣٤٥٦’ is not valid: enter 6 digits"),
        ({"name": "Oak\u200bTree"}, "School name contains a hidden formatting"),
        ({"name": "Oak \u202eTree"}, "School name contains a hidden formatting"),
        ({"name": "Oak\x81Tree"}, "School name contains a hidden control character"),
        (
            {"roll_pupil_secondary": "300"},
            "A primary school does not survey this group: leave it empty, not 300",
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
            "academic_year": YEAR,
            **WINDOW_DATES,
        },
    )

    page = check_page(response)
    assert page.text("h1") == f"Survey windows for {YEAR}"
    assert page.text("#opened") == "Opened: 3"
    with app.app_context():
        windows = get_db().scalars(
            select(SurveyWindow).where(SurveyWindow.academic_year == YEAR)
        )
        assert {window.school_id for window in windows} == {
            HILLTOP,
            RIVERSIDE,
            MEADOW,
        }
    assert len(audit_events(app, "survey_window.created")) == 3


def test_existing_window_reported_not_duplicated(app, administrator):
    form = {"school_ids": [str(HILLTOP)], "academic_year": YEAR, **WINDOW_DATES}
    post_form(administrator, "/admin/windows/new", form)

    response = post_form(
        administrator,
        "/admin/windows/new",
        {**form, "school_ids": [str(HILLTOP), str(MEADOW)]},
    )

    page = check_page(response)
    assert page.text("#opened") == "Opened: 1"
    assert page.text("#existing") == f"Already open for {YEAR}: 1"
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
        (
            {"academic_year": "2026-27"},
            "Academic year ‘2026-27’ is not valid: write it like 2026/27",
        ),
        (
            {"academic_year": "2026/28"},
            "Academic year ‘2026/28’ is not valid: the second year must follow the "
            "first, like 2026/27",
        ),
        (
            {"academic_year": "9" * 300},
            f"Academic year ‘{'9' * 19}…’ is not valid: write it like 2025/26",
        ),
        (
            {"opens_on": ["31", "2", str(OPENS.year)]},
            f"Opening date ‘31 2 {OPENS.year}’ is not a real date",
        ),
        (
            {"opens_on": ["", "3", str(OPENS.year)]},
            f"Opening date must include a day: you entered month 3, year {OPENS.year}",
        ),
        (
            {"closes_on": ["27", "", ""]},
            "Closing date must include a month and a year: you entered day 27",
        ),
        (
            {"opens_on": "2026-01-12"},
            "Opening date ‘2026-01-12’ is not a real date: enter the day, month and "
            "year in their own boxes",
        ),
        ({"closes_on": ["", "", ""]}, "Enter the closing date"),
        (
            {"opens_on": _date_parts(YEAR_START - timedelta(days=31))},
            f"Opening date must be in {YEAR}, from 1 September {YEAR_START.year}",
        ),
        (
            {"closes_on": _date_parts(OPENS - timedelta(days=11))},
            f"Closing date 1 January {OPENS.year} is before the opening date "
            f"12 January {OPENS.year}",
        ),
        ({"school_ids": []}, "Select at least one school or phase"),
    ],
)
def test_bad_windows_rejected_with_message(app, administrator, changes, message):
    form = {
        "school_ids": [str(HILLTOP)],
        "academic_year": YEAR,
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
    # The administrator chose this password, so the new user must replace it.
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
        ({"display_name": "Mo\u200bMeadow"}, "Full name contains a hidden formatting"),
        ({"display_name": "Mo\x81"}, "Full name contains a hidden control character"),
        (
            {"email": "lead\u202e@meadow.example"},
            "Email address contains a hidden formatting character (U+202E",
        ),
        ({"role": ""}, "Select what the person can see and do"),
        ({"school_id": ""}, "Select the person’s school"),
        (
            {"school_id": "abc"},
            "School ‘abc’ is not one of the listed schools: choose the person’s",
        ),
        ({"school_id": "9" * 25}, "School ‘9999999999999999999…’ is not one of"),
        ({"school_id": "٣"}, "School ‘٣’ is not one of the listed schools"),
        ({"school_id": "999"}, "School 999 does not exist: choose the person’s"),
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
        {"school_ids": [str(HILLTOP)], "academic_year": YEAR, **WINDOW_DATES},
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


# Duplicate school names, and windows that have closed


@pytest.mark.parametrize(
    "name", ["Hilltop Primary", "  hilltop   PRIMARY ", "Hill top Primary"]
)
def test_school_name_taken_rejected(app, administrator, name):
    errors = errors_of(
        post_form(administrator, "/admin/schools/new", {**SCHOOL, "name": name})
    )

    assert errors == [
        "Another school (URN 100001) is already named ‘Hilltop Primary’: add a "
        "word that tells them apart, such as the area"
    ]
    assert audit_events(app, "school.created") == []


def test_name_of_school_without_urn_rejected(app, administrator):
    with app.app_context():
        db = get_db()
        db.add(School(name="Brook Nursery School", phase="special"))
        db.commit()

    errors = errors_of(
        post_form(
            administrator,
            "/admin/schools/new",
            {**SCHOOL, "name": "Brook Nursery School"},
        )
    )

    assert errors[0].startswith("Another school (no URN) is already named")


def test_window_closed_before_today_rejected(app, administrator):
    today = london_today()
    yesterday = today - timedelta(days=1)
    year = academic_year_for(yesterday)
    start, _ = academic_year_bounds(year)
    form = {
        "school_ids": [str(HILLTOP)],
        "academic_year": year,
        "opens_on": _date_parts(start),
        "closes_on": _date_parts(yesterday),
    }

    errors = errors_of(post_form(administrator, "/admin/windows/new", form))

    shown = f"{yesterday.day} {yesterday:%B %Y}"
    assert errors == [
        f"Closing date {shown} is in the past: choose today, "
        f"{today.day} {today:%B %Y}, or a later date"
    ]
    assert audit_events(app, "survey_window.created") == []


def test_window_closing_today_accepted(app, administrator):
    today = london_today()
    year = academic_year_for(today)
    start, _ = academic_year_bounds(year)
    form = {
        "school_ids": [str(HILLTOP)],
        "academic_year": year,
        "opens_on": _date_parts(start),
        "closes_on": _date_parts(today),
    }

    page = check_page(post_form(administrator, "/admin/windows/new", form))

    assert page.text("#opened") == "Opened: 1"


# Changing a school


def edit_path(school_id: int) -> str:
    return f"/admin/schools/{school_id}/edit"


def school_form(**changes) -> dict:
    return {
        "name": "Hilltop Primary",
        "urn": "100001",
        "phase": "primary",
        "roll_pupil_primary": "",
        "roll_staff": "",
        **changes,
    }


def test_edit_school_form_shows_stored_values(administrator):
    page = check_page(administrator.get(edit_path(HILLTOP)))

    assert page.select_one("#name").get("value") == "Hilltop Primary"
    assert page.select_one("#urn").get("value") == "100001"
    assert (
        page.select_one("input[name=phase][value=primary]").get("checked") is not None
    )


def test_admin_changes_school_with_audit(app, administrator):
    response = post_form(
        administrator,
        edit_path(HILLTOP),
        school_form(name="Hilltop Primary School", urn="100009", roll_staff="25"),
    )

    assert response.status_code == 303
    with app.app_context():
        db = get_db()
        school = db.get(School, HILLTOP)
        rolls = {
            roll.stakeholder_group: roll.number_on_roll
            for roll in db.scalars(
                select(SchoolRoll).where(SchoolRoll.school_id == HILLTOP)
            )
        }
    assert school.name == "Hilltop Primary School"
    assert school.urn == "100009"
    assert rolls == {"staff": 25}
    events = audit_events(app, "school.updated")
    assert len(events) == 1
    assert json.loads(events[0].detail_json) == {
        "name": ["Hilltop Primary", "Hilltop Primary School"],
        "urn": ["100001", "100009"],
        "roll_staff": [None, 25],
    }
    log = check_page(administrator.get("/admin/audit-log"))
    assert "roll_staff: – → 25" in log.texts("#audit-table tbody tr")[0]

    # Emptying a number removes it; sending the same values changes nothing.
    post_form(administrator, edit_path(HILLTOP), school_form(urn="100009"))
    post_form(administrator, edit_path(HILLTOP), school_form(urn="100009"))

    with app.app_context():
        count = len(
            get_db()
            .scalars(select(SchoolRoll).where(SchoolRoll.school_id == HILLTOP))
            .all()
        )
    assert count == 0
    assert len(audit_events(app, "school.updated")) == 2


def test_school_may_keep_own_name(app, administrator):
    response = post_form(
        administrator, edit_path(HILLTOP), school_form(name="HILLTOP primary")
    )

    assert response.status_code == 303
    with app.app_context():
        assert get_db().get(School, HILLTOP).name == "HILLTOP primary"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"name": "Riverside Academy"},
            "Another school (URN 100002) is already named ‘Riverside Academy’",
        ),
        ({"urn": "100002"}, "URN 100002 already belongs to Riverside Academy"),
        ({"urn": "1234"}, "URN ‘1234’ is not valid: enter 6 digits, like 100123"),
        ({"urn": ""}, "Enter the school’s URN, like 100123"),
        ({"phase": "nursery"}, "Select the school’s phase"),
        (
            {"roll_parent": "1.5"},
            "Number of parents and carers ‘1.5’ is not a whole number",
        ),
    ],
)
def test_bad_school_change_rejected(app, administrator, changes, message):
    errors = errors_of(
        post_form(administrator, edit_path(HILLTOP), school_form(**changes))
    )

    assert any(error.startswith(message) for error in errors), errors
    assert audit_events(app, "school.updated") == []
    with app.app_context():
        school = get_db().get(School, HILLTOP)
    assert (school.name, school.urn, school.phase) == (
        "Hilltop Primary",
        "100001",
        "primary",
    )


def test_edit_unknown_school_is_404(administrator):
    assert administrator.get(edit_path(999)).status_code == 404


def test_school_change_needs_csrf_token(app, administrator):
    response = administrator.post(edit_path(HILLTOP), data=school_form(name="Other"))

    assert response.status_code == 302
    with app.app_context():
        assert get_db().get(School, HILLTOP).name == "Hilltop Primary"


def test_schools_list_shows_dash_for_missing_urn(app, administrator):
    with app.app_context():
        db = get_db()
        db.add(School(name="Brook Nursery School", phase="special"))
        db.commit()

    page = check_page(administrator.get("/admin/schools"))

    rows = page.select("#schools-table tbody tr")
    brook = next(row for row in rows if "Brook Nursery School" in text_of(row))
    cells = [text_of(cell) for cell in brook.iter("td")]
    assert cells[0] == "–"
    assert "None" not in page.text("#schools-table")


def test_school_without_urn_edited_without_one(app, administrator):
    with app.app_context():
        db = get_db()
        brook = School(name="Brook Nursery School", phase="special")
        db.add(brook)
        db.commit()
        brook_id = brook.school_id

    response = post_form(
        administrator,
        edit_path(brook_id),
        school_form(name="Brook Special School", urn="", phase="special"),
    )

    assert response.status_code == 303
    with app.app_context():
        school = get_db().get(School, brook_id)
        assert school.name == "Brook Special School"
        assert school.urn is None


def test_urn_cannot_be_removed(app, administrator):
    response = post_form(administrator, edit_path(HILLTOP), school_form(urn=""))

    assert errors_of(response) == ["Enter the school’s URN, like 100123"]
    with app.app_context():
        assert get_db().get(School, HILLTOP).urn == "100001"


def test_new_school_needs_urn(app, administrator):
    response = post_form(administrator, "/admin/schools/new", {**SCHOOL, "urn": ""})

    assert errors_of(response) == ["Enter the school’s URN, like 100123"]


@pytest.mark.parametrize(
    ("path", "field", "label"),
    [
        ("/admin/schools/new", "name", "School name"),
        ("/admin/schools/new", "roll_staff", "Staff (optional)"),
        ("/admin/accounts/new", "role", "What can they see and do?"),
        ("/admin/accounts/new", "school_id", "School (for school staff)"),
    ],
)
def test_repeated_field_rejected(app, administrator, path, field, label):
    data = {**SCHOOL, **ACCOUNT} if "accounts" in path else dict(SCHOOL)
    values = {**data, field: [data[field], data[field]]}

    errors = errors_of(post_form(administrator, path, values))

    assert errors == [
        f"{label} was sent 2 times in one form, so nothing was saved: fill in "
        "this page and send it once"
    ]
    assert audit_events(app, "school.created") == []
    assert audit_events(app, "user.created") == []


def test_repeated_urn_on_edit_rejected(app, administrator):
    response = post_form(
        administrator, edit_path(HILLTOP), school_form(urn=["100001", "123456"])
    )

    assert errors_of(response) == [
        "Unique reference number (URN) was sent 2 times in one form, so nothing "
        "was saved: fill in this page and send it once"
    ]


def test_concurrent_urn_change_one_wins(app, administrator):
    clients = [administrator, app.test_client()]
    add_user(app, "second@staff.example", "admin", None)
    assert sign_in(clients[1], "second@staff.example", PASSWORD).status_code == 302
    edits = [
        (HILLTOP, school_form(urn="654321")),
        (
            RIVERSIDE,
            school_form(name="Riverside Academy", urn="654321", phase="secondary"),
        ),
    ]
    posts = [
        (
            client,
            edit_path(school_id),
            {"csrf_token": csrf_token(client, edit_path(school_id)), **data},
        )
        for client, (school_id, data) in zip(clients, edits, strict=True)
    ]
    barrier = threading.Barrier(len(posts))

    def send(client, path, data):
        barrier.wait()
        return client.post(path, data=data)

    with ThreadPoolExecutor(len(posts)) as pool:
        responses = list(pool.map(lambda post: send(*post), posts))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 303]
    rejected = next(response for response in responses if response.status_code == 200)
    [error] = errors_of(rejected)
    assert error.startswith("URN 654321 already belongs to ")
    with app.app_context():
        owners = get_db().scalars(select(School.name).where(School.urn == "654321"))
        assert len(list(owners)) == 1


def test_concurrent_same_name_one_wins(app, administrator):
    clients = [administrator, app.test_client()]
    add_user(app, "second@staff.example", "admin", None)
    assert sign_in(clients[1], "second@staff.example", PASSWORD).status_code == 302
    posts = [
        (
            client,
            {
                **SCHOOL,
                "urn": urn,
                "csrf_token": csrf_token(client, "/admin/schools/new"),
            },
        )
        for client, urn in zip(clients, ("123456", "123457"), strict=True)
    ]
    barrier = threading.Barrier(len(posts))

    def send(client, data):
        barrier.wait()
        return client.post("/admin/schools/new", data=data)

    with ThreadPoolExecutor(len(posts)) as pool:
        responses = list(pool.map(lambda post: send(*post), posts))

    assert sorted(response.status_code for response in responses) == [200, 303]
    with app.app_context():
        names = get_db().scalars(
            select(School.name).where(School.name == "Oak Tree Primary")
        )
        assert len(list(names)) == 1


# Deactivating accounts and resetting passwords


def account_id(app, email: str) -> int:
    with app.app_context():
        return get_db().scalar(select(User.user_id).where(User.email == email))


def account_post(client, user_id: int, action: str):
    path = f"/admin/accounts/{user_id}"
    token = csrf_token(client, path)
    return client.post(f"{path}/{action}", data={"csrf_token": token})


def stored_account(app, user_id: int) -> User:
    with app.app_context():
        user = get_db().get(User, user_id)
        get_db().expunge(user)
        return user


def test_deactivate_then_reactivate_account(app, administrator, sign_in_as):
    officer = sign_in_as("borough")
    user_id = account_id(app, "borough@staff.example")

    response = account_post(administrator, user_id, "deactivate")

    assert response.status_code == 303
    assert stored_account(app, user_id).is_active is False
    assert officer.get("/borough").headers["Location"].startswith("/sign-in")
    assert (
        sign_in(app.test_client(), "borough@staff.example", PASSWORD).status_code == 200
    )
    event = audit_events(app, "user.deactivated")[0]
    assert json.loads(event.detail_json) == {
        "email": "borough@staff.example",
        "is_active": [True, False],
    }
    page = check_page(administrator.get(f"/admin/accounts/{user_id}"))
    assert page.select("#reactivate")
    assert not page.select("#deactivate")

    account_post(administrator, user_id, "reactivate")

    assert stored_account(app, user_id).is_active is True
    assert len(audit_events(app, "user.reactivated")) == 1
    assert (
        sign_in(app.test_client(), "borough@staff.example", PASSWORD).status_code == 302
    )


def test_admin_cannot_deactivate_self(app, administrator):
    user_id = account_id(app, "admin@staff.example")

    response = account_post(administrator, user_id, "deactivate")

    assert errors_of(response) == [
        "You cannot deactivate your own account, admin@staff.example: ask another "
        "administrator to do it"
    ]
    assert stored_account(app, user_id).is_active is True
    assert audit_events(app, "user.deactivated") == []
    assert administrator.get("/admin").status_code == 200


def second_admin(app):
    """Sign in a second administrator; return its client and user id."""
    user_id = add_user(app, "second@staff.example", "admin", None)
    client = app.test_client()
    assert sign_in(client, "second@staff.example", PASSWORD).status_code == 302
    return client, user_id


def active_admins(app) -> list[str]:
    with app.app_context():
        return list(
            get_db().scalars(
                select(User.email).where(User.role == "admin", User.is_active)
            )
        )


def test_last_other_admin_kept_active(app, administrator):
    second, second_id = second_admin(app)
    first_id = account_id(app, "admin@staff.example")
    # The second administrator's request has read its own account, then the
    # first administrator's deactivation of it commits.
    with app.test_request_context():
        db = get_db()
        acting = db.get(User, second_id)
        target = db.get(User, first_id)
        with app.app_context():
            other = get_db()
            other.get(User, second_id).is_active = False
            other.commit()

        with pytest.raises(AdminError) as raised:
            set_account_active(db, acting, target, active=False)
        db.rollback()

    assert raised.value.message.startswith(
        "admin@staff.example is the only active administrator"
    )
    assert active_admins(app) == ["admin@staff.example"]


def test_admins_deactivating_each_other_leave_one(app, administrator):
    second, second_id = second_admin(app)
    first_id = account_id(app, "admin@staff.example")
    requests = [
        (administrator, second_id, csrf_token(administrator, "/admin/accounts")),
        (second, first_id, csrf_token(second, "/admin/accounts")),
    ]
    barrier = threading.Barrier(len(requests))

    def deactivate(client, user_id, token):
        barrier.wait()
        return client.post(
            f"/admin/accounts/{user_id}/deactivate", data={"csrf_token": token}
        ).status_code

    with ThreadPoolExecutor(len(requests)) as pool:
        statuses = list(pool.map(lambda args: deactivate(*args), requests))

    assert len(active_admins(app)) == 1, statuses
    assert len(audit_events(app, "user.deactivated")) == 1, statuses
    assert all(status < 500 for status in statuses), statuses


def test_reset_password_shown_once(app, administrator, sign_in_as):
    officer = sign_in_as("borough")
    user_id = account_id(app, "borough@staff.example")
    before = stored_account(app, user_id)

    page = check_page(account_post(administrator, user_id, "reset-password"))

    password = page.text("#generated-password")
    user = stored_account(app, user_id)
    assert verify_password(user.password_hash, password)
    assert not verify_password(user.password_hash, PASSWORD)
    assert user.must_change_password is True
    assert user.session_version == before.session_version + 1
    assert officer.get("/borough").headers["Location"].startswith("/sign-in")
    event = audit_events(app, "user.password_reset")[0]
    assert password not in event.detail_json
    account_page = check_page(administrator.get(f"/admin/accounts/{user_id}"))
    assert password not in account_page.html
    new_client = app.test_client()
    assert sign_in(new_client, "borough@staff.example", password).status_code == 302
    assert new_client.get("/borough").headers["Location"] == "/account/password"


def test_own_password_reset_rejected(app, administrator):
    user_id = account_id(app, "admin@staff.example")

    errors = errors_of(account_post(administrator, user_id, "reset-password"))

    assert errors[0].startswith("You cannot reset your own password here")
    assert audit_events(app, "user.password_reset") == []


@pytest.mark.parametrize("action", ["deactivate", "reactivate", "reset-password"])
def test_account_change_needs_csrf_token(app, administrator, sign_in_as, action):
    sign_in_as("borough")
    user_id = account_id(app, "borough@staff.example")
    before = stored_account(app, user_id)

    response = administrator.post(f"/admin/accounts/{user_id}/{action}")

    assert response.status_code == 302
    after = stored_account(app, user_id)
    assert after.password_hash == before.password_hash
    assert after.session_version == before.session_version
    assert after.is_active is True


@pytest.mark.parametrize("action", ["deactivate", "reactivate", "reset-password"])
def test_account_change_refused_to_borough(app, sign_in_as, action):
    officer = sign_in_as("borough")
    sign_in_as("admin")
    user_id = account_id(app, "admin@staff.example")
    token = csrf_token(officer, "/sign-out")

    response = officer.post(
        f"/admin/accounts/{user_id}/{action}", data={"csrf_token": token}
    )

    assert response.status_code == 403
    assert stored_account(app, user_id).is_active is True


def test_unknown_account_is_404(administrator):
    assert administrator.get("/admin/accounts/9999").status_code == 404
    assert account_post_status(administrator) == 404


def account_post_status(client) -> int:
    token = csrf_token(client, "/admin/accounts")
    return client.post(
        "/admin/accounts/9999/deactivate", data={"csrf_token": token}
    ).status_code


# Audit log values


def test_audit_log_leaves_out_empty_values(administrator):
    post_form(
        administrator,
        "/admin/schools/new",
        {**SCHOOL, "roll_pupil_primary": "", "roll_staff": ""},
    )
    post_form(
        administrator,
        "/admin/accounts/new",
        {**ACCOUNT, "role": "borough", "school_id": ""},
    )

    page = check_page(administrator.get("/admin/audit-log"))

    text = page.text("#audit-table")
    assert "None" not in text
    assert "{}" not in text
    assert "rolls" not in text
    assert "school_id" not in text
    assert page.texts("#audit-table tbody tr td:nth-child(3)")[:2] == [
        "Account created",
        "School added",
    ]


def test_audit_log_titles_legacy_action(app, administrator):
    with app.app_context():
        db = get_db()
        db.add(AuditEvent(action="user_created", object_type="user", object_id="1"))
        db.commit()

    page = check_page(administrator.get("/admin/audit-log"))

    assert page.texts("#audit-table tbody tr td:nth-child(3)")[0] == "Account created"
