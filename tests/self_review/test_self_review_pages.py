"""The self-review pages: drafts that save as they go, submit, versions, history."""

from datetime import UTC, datetime

import pytest
from auth.pages import Page, check_page, text_of
from sqlalchemy import select

from survey_app.db import get_db
from survey_app.models import PracticeRating, SelfReview, SelfReviewChange
from survey_app.report import format_london_time
from survey_app.self_review import load_framework

from .pages import (
    BASE,
    HILLTOP,
    error_summary,
    form_values,
    rate_every_practice,
    save_component,
    start_self_review,
)


@pytest.fixture
def framework_practices(app) -> dict[str, list[str]]:
    """Map each component id to its practice ids, in framework order."""
    with app.app_context():
        framework = load_framework(get_db())
    return {
        component.component_id: [p.practice_id for p in component.practices]
        for component in framework.components
    }


@pytest.fixture
def hilltop(make_client):
    """Hilltop's lead, signed in, with the 2024/25 draft started."""
    client = make_client("hilltop")
    response = start_self_review(client)
    assert response.status_code == 302
    return client


def stored_versions(app) -> list[dict]:
    """Return each stored version's number, status, school and row counts."""
    with app.app_context():
        versions = get_db().scalars(
            select(SelfReview).order_by(SelfReview.version_number)
        )
        return [
            {
                "version_number": version.version_number,
                "status": version.status,
                "school_id": version.school_id,
                "submitted_at": version.submitted_at,
                "n_ratings": len(version.ratings),
                "n_components": len(version.components),
            }
            for version in versions
        ]


def stored_rating(app, version_number: int, practice_id: str) -> PracticeRating:
    with app.app_context():
        return get_db().scalar(
            select(PracticeRating)
            .join(SelfReview)
            .where(
                SelfReview.version_number == version_number,
                PracticeRating.practice_id == practice_id,
            )
        )


def test_start_creates_draft_with_every_practice(app, hilltop):
    versions = stored_versions(app)

    assert len(versions) == 1
    assert versions[0]["status"] == "draft"
    assert versions[0]["school_id"] == HILLTOP
    assert versions[0]["n_ratings"] == 40
    assert versions[0]["n_components"] == 7


def test_start_twice_continues_same_draft(app, hilltop):
    response = start_self_review(hilltop)

    assert response.status_code == 302
    assert len(stored_versions(app)) == 1


def test_overview_lists_components_and_progress(hilltop):
    page = check_page(hilltop.get(BASE))

    titles = page.texts(".govuk-task-list__link")
    assert len(titles) == 7
    assert titles[0] == "C1 School ethos and environment"
    assert page.texts(".govuk-task-list__status")[0] == "Not started"


def test_component_save_stores_rating_evidence_provision(app, hilltop):
    response = save_component(
        hilltop,
        "C1",
        {
            "level_P1_1": "2",
            "evidence_P1_1": "Seen in assemblies\r\nand in the staff survey",
            "for_all_pupils": "PSHE lessons every week",
            "for_pupils_at_risk": "Check-ins with the learning mentor",
            "for_most_vulnerable": "CAMHS in-school clinic",
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"] == BASE
    rating = stored_rating(app, 1, "P1.1")
    assert rating.level == 2
    assert rating.evidence == "Seen in assemblies\nand in the staff survey"
    with app.app_context():
        provision = get_db().scalars(select(SelfReview)).one().components[0]
        assert provision.for_all_pupils == "PSHE lessons every week"
        assert provision.for_pupils_at_risk == "Check-ins with the learning mentor"
        assert provision.for_most_vulnerable == "CAMHS in-school clinic"
        assert provision.edit_count == 1


def test_component_page_shows_saved_values(hilltop):
    save_component(hilltop, "C2", {"level_P2_3": "3", "evidence_P2_3": "Buddies"})

    page = check_page(hilltop.get(f"{BASE}/components/C2"))
    values = form_values(page)

    assert values["level_P2_3"] == "3"
    assert values["evidence_P2_3"] == "Buddies"
    assert "level_P2_1" not in values


def test_history_shows_who_changed_what_in_london_time(app, hilltop):
    save_component(hilltop, "C1", {"level_P1_4": "1"})
    with app.app_context():
        db = get_db()
        change = db.scalars(
            select(SelfReviewChange).where(SelfReviewChange.field == "level")
        ).one()
        # 11:30 UTC in July is 12:30 in London (British Summer Time).
        change.changed_at = datetime(2025, 7, 1, 11, 30, tzinfo=UTC)
        db.commit()

    page = check_page(hilltop.get(BASE))
    rows = [
        [text_of(cell) for cell in row.iter("td")]
        for row in page.select("table tbody tr")
    ]

    assert ["1 July 2025 at 12:30pm", "Alex Hill", "Rating of P1.4", "Emerging"] in rows


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2025, 1, 15, 9, 5, tzinfo=UTC), "15 January 2025 at 9:05am"),
        (datetime(2025, 7, 1, 23, 30, tzinfo=UTC), "2 July 2025 at 12:30am"),
        (datetime(2025, 10, 26, 0, 59, tzinfo=UTC), "26 October 2025 at 1:59am"),
        (datetime(2025, 10, 26, 1, 0, tzinfo=UTC), "26 October 2025 at 1:00am"),
    ],
)
def test_times_shown_in_europe_london(moment, expected):
    assert format_london_time(moment) == expected


def test_stale_save_rejected_without_overwrite(app, make_client, hilltop):
    colleague = make_client("hilltop_second")
    opened = form_values(Page.of(hilltop.get(f"{BASE}/components/C1")))
    colleague_response = save_component(
        colleague, "C1", {"level_P1_2": "3", "evidence_P1_2": "Governor minutes"}
    )
    assert colleague_response.status_code == 302

    response = save_component(
        hilltop,
        "C1",
        {"level_P1_2": "1", "evidence_P1_2": "Only in some classes"},
        values=opened,
    )

    assert response.status_code == 400
    page = Page.of(response)
    messages = error_summary(page)
    assert len(messages) == 1
    assert messages[0].startswith("Bea Stone saved this page at ")
    assert "your changes were not saved" in messages[0]
    rating = stored_rating(app, 1, "P1.2")
    assert rating.level == 3
    assert rating.evidence == "Governor minutes"
    kept = form_values(page)
    assert kept["level_P1_2"] == "1"
    assert kept["evidence_P1_2"] == "Only in some classes"
    assert "Governor minutes" in page.html


def test_stale_save_then_save_again_succeeds(app, make_client, hilltop):
    colleague = make_client("hilltop_second")
    opened = form_values(Page.of(hilltop.get(f"{BASE}/components/C1")))
    save_component(colleague, "C1", {"level_P1_2": "3"})
    rejected = save_component(hilltop, "C1", {"level_P1_2": "1"}, values=opened)

    response = hilltop.post(
        f"{BASE}/components/C1", data=form_values(Page.of(rejected))
    )

    assert response.status_code == 302
    assert stored_rating(app, 1, "P1.2").level == 1


def test_saves_of_other_components_do_not_conflict(app, make_client, hilltop):
    colleague = make_client("hilltop_second")
    opened = form_values(Page.of(hilltop.get(f"{BASE}/components/C1")))
    save_component(colleague, "C2", {"level_P2_1": "3"})

    response = save_component(hilltop, "C1", {"level_P1_1": "2"}, values=opened)

    assert response.status_code == 302
    assert stored_rating(app, 1, "P1.1").level == 2
    assert stored_rating(app, 1, "P2.1").level == 3


def test_save_without_csrf_token_saves_nothing(app, hilltop):
    values = form_values(Page.of(hilltop.get(f"{BASE}/components/C1")))
    del values["csrf_token"]

    response = save_component(hilltop, "C1", {"level_P1_1": "3"}, values=values)

    assert response.status_code == 400
    assert error_summary(Page.of(response))[0].startswith("This page was open too long")
    assert stored_rating(app, 1, "P1.1").level is None


def test_save_without_edit_count_saves_nothing(app, hilltop):
    values = form_values(Page.of(hilltop.get(f"{BASE}/components/C1")))
    del values["edit_count"]

    response = save_component(hilltop, "C1", {"level_P1_1": "3"}, values=values)

    assert response.status_code == 400
    assert error_summary(Page.of(response))[0].startswith("This page is out of date")
    assert stored_rating(app, 1, "P1.1").level is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"level_P1_1": "7"}, "Select one of the four ratings for P1.1"),
        ({"level_P1_1": "emerging"}, "Select one of the four ratings for P1.1"),
        (
            {"evidence_P1_3": "x" * 4001},
            "Evidence for P1.3 must be 4,000 characters or fewer",
        ),
        (
            {"for_most_vulnerable": "x" * 4001},
            "For the most vulnerable pupils must be 4,000 characters or fewer",
        ),
    ],
)
def test_invalid_component_input_rejected(app, hilltop, changes, expected):
    response = save_component(hilltop, "C1", {"level_P1_2": "2", **changes})

    assert response.status_code == 400
    page = Page.of(response)
    assert error_summary(page) == [expected]
    assert page.title.startswith("Error: ")
    assert stored_rating(app, 1, "P1.2").level is None


def test_unknown_component_not_found(hilltop):
    assert hilltop.get(f"{BASE}/components/C9").status_code == 404


def test_invalid_year_not_found(hilltop):
    assert hilltop.get("/self-review/2024-26").status_code == 404
    assert hilltop.get("/self-review/twenty").status_code == 404


def test_submit_incomplete_lists_unrated_practices(app, hilltop):
    save_component(hilltop, "C1", {"level_P1_1": "2"})
    values = form_values(Page.of(hilltop.get(BASE)))

    response = hilltop.post(f"{BASE}/submit", data=values)

    assert response.status_code == 400
    messages = error_summary(Page.of(response))
    assert len(messages) == 39
    assert messages[0] == "Rate P1.2 before you submit"
    assert messages[-1] == "Rate P7.6 before you submit"
    assert stored_versions(app)[0]["status"] == "draft"


@pytest.mark.parametrize("edit_count", [str(2**63), "-1"])
def test_submit_with_impossible_edit_count(
    app, hilltop, framework_practices, edit_count
):
    rate_every_practice(hilltop, framework_practices)
    values = form_values(Page.of(hilltop.get(BASE)))
    values["edit_count"] = edit_count

    response = hilltop.post(f"{BASE}/submit", data=values)

    assert response.status_code == 400
    assert error_summary(Page.of(response))[0].startswith("This page is out of date")
    assert stored_versions(app)[0]["status"] == "draft"


def test_submit_fixes_version(app, hilltop, framework_practices):
    rate_every_practice(hilltop, framework_practices)
    values = form_values(Page.of(hilltop.get(BASE)))

    response = hilltop.post(f"{BASE}/submit", data=values)

    assert response.status_code == 302
    version = stored_versions(app)[0]
    assert version["status"] == "submitted"
    assert version["submitted_at"] is not None
    page = check_page(hilltop.get(BASE))
    assert "Submitted" in page.text(".govuk-tag--green")
    component_page = check_page(hilltop.get(f"{BASE}/components/C1"))
    assert component_page.select("main form") == []


def test_save_after_submit_rejected(app, hilltop, framework_practices):
    rate_every_practice(hilltop, framework_practices)
    opened = form_values(Page.of(hilltop.get(f"{BASE}/components/C1")))
    hilltop.post(f"{BASE}/submit", data=form_values(Page.of(hilltop.get(BASE))))

    response = save_component(hilltop, "C1", {"level_P1_1": "0"}, values=opened)

    assert response.status_code == 400
    assert "cannot change" in error_summary(Page.of(response))[0]
    assert stored_rating(app, 1, "P1.1").level == 2


def test_submit_after_later_save_is_stale(
    app, make_client, hilltop, framework_practices
):
    rate_every_practice(hilltop, framework_practices)
    submit_values = form_values(Page.of(hilltop.get(BASE)))
    save_component(make_client("hilltop_second"), "C3", {"level_P3_1": "0"})

    response = hilltop.post(f"{BASE}/submit", data=submit_values)

    assert response.status_code == 409
    assert error_summary(Page.of(response))[0].startswith("Bea Stone changed")
    assert stored_versions(app)[0]["status"] == "draft"


def test_new_version_copies_and_keeps_earlier(app, hilltop, framework_practices):
    save_component(hilltop, "C1", {"evidence_P1_1": "First evidence"})
    rate_every_practice(hilltop, framework_practices)
    hilltop.post(f"{BASE}/submit", data=form_values(Page.of(hilltop.get(BASE))))

    response = hilltop.post(
        f"{BASE}/new-version", data=form_values(Page.of(hilltop.get(BASE)))
    )
    assert response.status_code == 302
    save_component(hilltop, "C1", {"level_P1_1": "3", "evidence_P1_1": "Revised"})

    versions = stored_versions(app)
    assert [(v["version_number"], v["status"]) for v in versions] == [
        (1, "submitted"),
        (2, "draft"),
    ]
    assert stored_rating(app, 1, "P1.1").level == 2
    assert stored_rating(app, 1, "P1.1").evidence == "First evidence"
    assert stored_rating(app, 2, "P1.1").level == 3
    assert stored_rating(app, 2, "P1.2").level == 2
    earlier = check_page(hilltop.get(f"{BASE}/versions/1"))
    assert "First evidence" in earlier.html
    assert "Revised" not in earlier.html


def test_second_draft_cannot_start_while_one_exists(app, hilltop, framework_practices):
    rate_every_practice(hilltop, framework_practices)
    hilltop.post(f"{BASE}/submit", data=form_values(Page.of(hilltop.get(BASE))))
    new_version_form = form_values(Page.of(hilltop.get(BASE)))
    hilltop.post(f"{BASE}/new-version", data=new_version_form)

    hilltop.post(f"{BASE}/new-version", data=new_version_form)

    assert len(stored_versions(app)) == 2


def test_pages_pass_common_checks(hilltop, framework_practices):
    save_component(hilltop, "C1", {"level_P1_1": "2"})
    paths = [
        "/self-review",
        BASE,
        f"{BASE}/components/C1",
        f"{BASE}/versions/1",
        f"{BASE}/comparison",
        f"{BASE}/next-steps",
        f"{BASE}/next-steps/new",
    ]
    for path in paths:
        page = check_page(hilltop.get(path))
        assert page.select("header"), path
