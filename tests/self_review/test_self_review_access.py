"""Access: a school reads and changes only its own self-review and next steps.

Riverside has a draft and a next step; Hilltop's staff try to reach them by
every URL and form field, and a borough officer may read but not change.
"""

import pytest
from auth.pages import Page, check_page
from sqlalchemy import select

from survey_app.db import get_db
from survey_app.models import NextStep, PracticeRating, SelfReview

from .pages import (
    BASE,
    HILLTOP,
    RIVERSIDE,
    YEAR_SLUG,
    form_values,
    save_component,
    start_self_review,
)

RIVERSIDE_EVIDENCE = "Riverside peer mentors, confidential"


@pytest.fixture
def riverside(make_client):
    """Riverside's draft with one rated practice and one next step; its client."""
    client = make_client("riverside")
    start_self_review(client)
    save_component(
        client, "C2", {"level_P2_2": "3", "evidence_P2_2": RIVERSIDE_EVIDENCE}
    )
    page = Page.of(client.get(f"{BASE}/next-steps/new"))
    values = form_values(page)
    values.update(
        {
            "target_id": "P2.2",
            "stakeholder_group": "pupil_secondary",
            "action": "Riverside peer-support programme",
            "lead": "Head of Year 8",
            "starts_on": ["1", "10", "2024"],
            "review_on": ["1", "4", "2025"],
            "expected_change": "More pupils know who to ask for help",
        }
    )
    response = client.post(f"{BASE}/next-steps/new", data=values)
    assert response.status_code == 302
    return client


def riverside_step_id(app) -> int:
    with app.app_context():
        return (
            get_db()
            .scalars(
                select(NextStep.next_step_id).where(NextStep.school_id == RIVERSIDE)
            )
            .one()
        )


def riverside_rating(app) -> tuple:
    with app.app_context():
        rating = get_db().scalar(
            select(PracticeRating)
            .join(SelfReview)
            .where(
                SelfReview.school_id == RIVERSIDE,
                PracticeRating.practice_id == "P2.2",
            )
        )
        return rating.level, rating.evidence


READ_PATHS = [
    "/self-review",
    BASE,
    f"{BASE}/components/C2",
    f"{BASE}/versions/1",
    f"{BASE}/comparison",
    f"{BASE}/next-steps",
    f"{BASE}/report",
    f"{BASE}/report.pdf",
]


@pytest.mark.parametrize("path", READ_PATHS)
def test_school_cannot_read_other_school_by_parameter(make_client, riverside, path):
    hilltop = make_client("hilltop")

    response = hilltop.get(path, query_string={"school": RIVERSIDE})

    assert response.status_code == 404
    assert RIVERSIDE_EVIDENCE.encode() not in response.data


@pytest.mark.parametrize("path", READ_PATHS)
def test_school_sees_only_own_data_without_parameter(make_client, riverside, path):
    hilltop = make_client("hilltop")
    start_self_review(hilltop)

    response = hilltop.get(path)

    assert response.status_code == 200
    assert RIVERSIDE_EVIDENCE.encode() not in response.data
    assert b"Riverside peer-support programme" not in response.data


@pytest.mark.parametrize("action", ["edit", "remove"])
def test_school_cannot_open_other_school_next_step(app, make_client, riverside, action):
    hilltop = make_client("hilltop")

    response = hilltop.get(f"{BASE}/next-steps/{riverside_step_id(app)}/{action}")

    assert response.status_code == 404


@pytest.mark.parametrize("action", ["edit", "remove"])
def test_school_cannot_change_other_school_next_step(
    app, make_client, riverside, action
):
    hilltop = make_client("hilltop")
    start_self_review(hilltop)
    values = form_values(Page.of(hilltop.get(f"{BASE}/next-steps/new")))
    values.update(
        {
            "target_id": "C1",
            "stakeholder_group": "parent",
            "action": "Overwritten",
            "lead": "Hilltop",
            "starts_on": ["1", "1", "2025"],
            "review_on": ["1", "2", "2025"],
            "expected_change": "Overwritten",
            "edit_count": "0",
        }
    )
    step_id = riverside_step_id(app)

    response = hilltop.post(f"{BASE}/next-steps/{step_id}/{action}", data=values)

    assert response.status_code == 404
    with app.app_context():
        step = get_db().get(NextStep, step_id)
        assert step.action == "Riverside peer-support programme"
        assert step.school_id == RIVERSIDE


def test_next_step_of_another_year_not_found(app, make_client, riverside):
    response = riverside.get(
        f"/self-review/2025-26/next-steps/{riverside_step_id(app)}/edit"
    )

    assert response.status_code == 404


def test_school_field_in_form_is_ignored(app, make_client, riverside):
    hilltop = make_client("hilltop")
    start_self_review(hilltop)

    response = save_component(
        hilltop,
        "C2",
        {
            "level_P2_2": "0",
            "evidence_P2_2": "Hilltop's evidence",
            "school": str(RIVERSIDE),
            "school_id": str(RIVERSIDE),
            "self_review_id": "1",
        },
    )

    assert response.status_code == 302
    assert riverside_rating(app) == (3, RIVERSIDE_EVIDENCE)
    with app.app_context():
        hilltop_rating = get_db().scalar(
            select(PracticeRating.level)
            .join(SelfReview)
            .where(
                SelfReview.school_id == HILLTOP,
                PracticeRating.practice_id == "P2.2",
            )
        )
    assert hilltop_rating == 0


def test_school_cannot_post_to_other_school_by_parameter(app, make_client, riverside):
    hilltop = make_client("hilltop")
    start_self_review(hilltop)
    values = form_values(Page.of(hilltop.get(f"{BASE}/components/C2")))
    values["level_P2_2"] = "0"

    response = hilltop.post(
        f"{BASE}/components/C2", query_string={"school": RIVERSIDE}, data=values
    )

    assert response.status_code == 404
    assert riverside_rating(app) == (3, RIVERSIDE_EVIDENCE)


def test_borough_chooses_school_then_reads(make_client, riverside):
    borough = make_client("borough")

    choose = check_page(borough.get("/self-review"))
    links = choose.select("main a.govuk-link")
    overview = borough.get(BASE, query_string={"school": RIVERSIDE})

    assert [link.get("href") for link in links] == [
        f"/self-review?school={HILLTOP}",
        f"/self-review?school={RIVERSIDE}",
    ]
    page = check_page(overview)
    assert page.text(".govuk-caption-l") == "Riverside Academy"
    component_page = check_page(
        borough.get(f"{BASE}/components/C2", query_string={"school": RIVERSIDE})
    )
    assert RIVERSIDE_EVIDENCE in component_page.html
    assert component_page.select("main form") == []
    for href in [link.get("href") for link in page.select("main a")]:
        if href.startswith("/self-review/"):
            assert f"school={RIVERSIDE}" in href, href


def test_borough_cannot_change(app, make_client, riverside):
    borough = make_client("borough")
    token = form_values(Page.of(borough.get("/self-review")), "header form")
    query = {"school": RIVERSIDE}
    data = {"csrf_token": token["csrf_token"], "level_P2_2": "0", "edit_count": "1"}

    responses = [
        borough.post(f"{BASE}/components/C2", query_string=query, data=data),
        borough.post(f"{BASE}/submit", query_string=query, data=data),
        borough.post("/self-review/start", query_string=query, data=data),
        borough.get(f"{BASE}/next-steps/new", query_string=query),
        borough.get(
            f"{BASE}/next-steps/{riverside_step_id(app)}/edit", query_string=query
        ),
    ]

    assert [response.status_code for response in responses] == [403] * 5
    assert riverside_rating(app) == (3, RIVERSIDE_EVIDENCE)


def test_borough_unknown_school_not_found(make_client, riverside):
    borough = make_client("borough")

    assert borough.get(BASE, query_string={"school": 999}).status_code == 404
    assert borough.get(BASE, query_string={"school": "two"}).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", BASE), ("get", f"{BASE}/report.pdf"), ("post", f"{BASE}/submit")],
)
def test_anonymous_sent_to_sign_in(client, schools, method, path):
    response = getattr(client, method)(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_next_step_with_unknown_target_rejected(app, make_client, schools):
    hilltop = make_client("hilltop")
    start_self_review(hilltop)
    values = form_values(Page.of(hilltop.get(f"{BASE}/next-steps/new")))
    values.update(
        {
            "target_id": "P9.9",
            "stakeholder_group": "head_teacher",
            "action": "Nurture group",
            "lead": "SENCo",
            "starts_on": ["31", "2", "2025"],
            "review_on": ["1", "1", "2025"],
            "expected_change": "Calmer mornings",
        }
    )

    response = hilltop.post(f"{BASE}/next-steps/new", data=values)

    assert response.status_code == 400
    page = Page.of(response)
    assert page.texts(".govuk-error-summary__list li") == [
        "Select a practice or component from the list",
        "Select whose experience you expect to change",
        "Start date must be a real date: “31 2 2025” is not a date. Enter the "
        "day, month and year as numbers, like 15 9 2025",
    ]
    with app.app_context():
        assert get_db().scalars(select(NextStep)).all() == []


def test_year_slug_in_links(make_client, riverside):
    page = check_page(riverside.get(BASE))

    assert f"/self-review/{YEAR_SLUG}/components/C1" in [
        link.get("href") for link in page.select("main a")
    ]


def test_next_step_offers_school_groups_only(app, make_client, schools):
    hilltop = make_client("hilltop")
    start_self_review(hilltop)
    page = Page.of(hilltop.get(f"{BASE}/next-steps/new"))
    offered = [
        element.get("value") for element in page.select("input[name=stakeholder_group]")
    ]
    values = form_values(page)
    values.update(
        {
            "target_id": "P1.1",
            "stakeholder_group": "pupil_secondary",
            "action": "Nurture group",
            "lead": "SENCo",
            "starts_on": ["15", "9", "2025"],
            "review_on": ["1", "3", "2026"],
            "expected_change": "Calmer mornings",
        }
    )

    response = hilltop.post(f"{BASE}/next-steps/new", data=values)

    assert offered == ["pupil_primary", "parent", "staff", "governor"]
    assert response.status_code == 400
    errors = Page.of(response).texts(".govuk-error-summary__list li")
    assert errors == ["Select whose experience you expect to change"]
