"""Staff pages for survey links: QR codes, posters, access settings and codes."""

import xml.etree.ElementTree as ElementTree

import pytest
from sqlalchemy import select

from survey_app.db import get_db
from survey_app.models import AccessCode, AuditEvent
from survey_app.windows import access_code_pepper, hash_access_code

from .pages import Page, check_page


@pytest.fixture
def lead(staff_client, survey):
    """A client signed in as the survey school's mental health lead."""
    return staff_client(role="school", school_id=survey.school_id)


def links_path(survey) -> str:
    return f"/schools/{survey.school_id}/survey-links"


def link_path(survey, group="pupil_primary") -> str:
    return f"{links_path(survey)}/{survey.link_ids[group]}"


def test_links_page_redirects_school_user(lead, survey):
    response = lead.get("/survey-links")

    assert response.status_code == 302
    assert response.headers["Location"] == links_path(survey)


def test_links_page_lists_schools_for_borough(staff_client, survey):
    borough = staff_client(role="borough", email="officer@example.org")

    page = check_page(borough.get("/survey-links"))

    assert page.texts("main li a") == ["Hillside Primary"]


def test_school_links_page_shows_each_group(lead, survey):
    page = check_page(lead.get(links_path(survey)))

    assert page.heading == "Survey links"
    assert page.texts("h3") == [
        "Pupils in Years 3 to 6",
        "Parents and carers",
        "Staff",
        "Governors",
    ]
    urls = page.texts(".app-link-url")
    assert f"http://localhost/s/{survey.tokens['parent']}" in urls
    images = page.select("img.app-qr")
    assert len(images) == 4
    assert all(image.get("alt", "").startswith("QR code for") for image in images)


def test_anonymous_user_sent_to_sign_in(client, survey):
    response = client.get(links_path(survey))

    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_other_school_gets_404(staff_client, survey, make_survey):
    other = make_survey(name="Other Primary")
    outsider = staff_client(role="school", school_id=other.school_id)

    assert outsider.get(links_path(survey)).status_code == 404
    assert outsider.get(f"{link_path(survey)}/qr.svg").status_code == 404
    assert outsider.get(f"{link_path(survey)}/codes").status_code == 404


def test_link_of_other_school_gets_404(lead, survey, make_survey):
    other = make_survey(name="Other Primary")
    path = f"{links_path(survey)}/{other.link_ids['parent']}/poster"

    assert lead.get(path).status_code == 404


def test_qr_code_is_svg_of_link(lead, survey):
    response = lead.get(f"{link_path(survey)}/qr.svg")

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    title = root.find("{http://www.w3.org/2000/svg}title").text
    assert title.endswith(f"/s/{survey.tokens['pupil_primary']}")


def test_poster_shows_link_and_qr(lead, survey):
    page = check_page(lead.get(f"{link_path(survey, 'parent')}/poster"))

    assert page.heading == "Survey for parents and carers"
    assert page.text(".app-poster__url").endswith(f"/s/{survey.tokens['parent']}")
    assert page.select_one("img.app-poster__qr").get("src").endswith("/qr.svg")
    stylesheet = page.select("link[rel=stylesheet]")[-1].get("href")
    assert lead.get(stylesheet).mimetype == "text/css"


def test_access_form_changes_settings(app, lead, survey):
    page = check_page(lead.get(f"{link_path(survey)}/access"))
    data = page.hidden_fields()
    data.update({"access_mode": "codes", "kiosk": "y", "number_on_roll": "58"})

    response = lead.post(f"{link_path(survey)}/access", data=data)

    assert response.status_code == 303
    page = check_page(lead.get(links_path(survey)))
    assert "Only people with a single-use code" in page.text("main")
    with app.app_context():
        event = get_db().scalar(
            select(AuditEvent).where(AuditEvent.action == "survey_link.access_changed")
        )
        assert '"kiosk": true' in event.detail_json


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"access_mode": "closed"}, "Not a valid choice"),
        ({"access_mode": "open", "number_on_roll": "lots"}, "Enter the number of"),
        ({"access_mode": "open", "number_on_roll": "0"}, "must be between 1 and"),
        ({}, "Select who can answer through this link"),
    ],
)
def test_access_form_rejects_bad_values(lead, survey, fields, message):
    page = Page.of(lead.get(f"{link_path(survey)}/access"))

    response = lead.post(
        f"{link_path(survey)}/access", data={**page.hidden_fields(), **fields}
    )

    result = check_page(response)
    assert message in result.text(".govuk-error-summary")


def test_access_form_needs_csrf(lead, survey):
    response = lead.post(f"{link_path(survey)}/access", data={"access_mode": "codes"})

    assert response.status_code == 200
    assert Page.of(response).select(".govuk-error-summary")


def test_codes_printed_once_and_stored_hashed(app, lead, survey):
    page = check_page(lead.get(f"{link_path(survey)}/codes"))
    data = {**page.hidden_fields(), "label": "5B", "count": "12"}

    response = lead.post(f"{link_path(survey)}/codes", data=data)

    sheet = check_page(response)
    codes = sheet.texts(".app-slip__code")
    assert len(codes) == 12
    assert sheet.heading == "Access codes for 5B"
    with app.app_context():
        db = get_db()
        pepper = access_code_pepper()
        stored = set(db.scalars(select(AccessCode.code_hash)))
        assert stored == {hash_access_code(code, pepper) for code in codes}
        event = db.scalar(
            select(AuditEvent).where(AuditEvent.action == "access_codes.issued")
        )
        assert all(code not in event.detail_json for code in codes)
    links_page = lead.get(links_path(survey)).get_data(as_text=True)
    assert "5B: 0 of 12 used" in " ".join(links_page.split())
    assert all(code not in links_page for code in codes)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"label": "", "count": "5"}, "Enter a class or group name, like 5B"),
        ({"label": "5B", "count": ""}, "Enter how many codes to print"),
        ({"label": "5B", "count": "many"}, "as a whole number, from 1 to 300"),
        ({"label": "5B", "count": "301"}, "Number of codes must be between 1 and 300"),
    ],
)
def test_codes_form_rejects_bad_values(lead, survey, fields, message):
    page = Page.of(lead.get(f"{link_path(survey)}/codes"))

    response = lead.post(
        f"{link_path(survey)}/codes", data={**page.hidden_fields(), **fields}
    )

    assert message in check_page(response).text(".govuk-error-summary")


def test_codes_form_needs_csrf(app, lead, survey):
    response = lead.post(
        f"{link_path(survey)}/codes", data={"label": "5B", "count": "3"}
    )

    assert Page.of(response).select(".govuk-error-summary")
    with app.app_context():
        assert get_db().scalar(select(AccessCode.code_hash)) is None
