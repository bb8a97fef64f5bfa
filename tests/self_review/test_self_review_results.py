"""End to end: a school's self-review and survey answers go through the real
pipeline, and its pages and governors' report show the comparison and the
impact of a next step, with the small parents' group suppressed."""

import pytest
from auth.pages import Page, check_page, text_of

from pipeline.run import run_pipeline
from pipeline.settings import PipelineSettings
from survey_app.db import get_db
from survey_app.self_review import load_framework

from .pages import (
    BASE,
    HILLTOP,
    form_values,
    rate_every_practice,
    start_self_review,
)
from .survey_store import add_responses, varied_answers

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

# Staff answers (1 to 5): mostly Disagree in 2024/25, mostly Agree a year on.
STAFF_2024 = [2, 2, 3, 2, 1, 2, 3, 2, 2, 1, 2, 3]
STAFF_2025 = [4, 3, 4, 5, 4, 3, 4, 4, 5, 3, 4, 4]
# Five parents: fewer than the disclosure threshold of 10.
PARENTS_2024 = [4, 5, 4, 3, 5]


@pytest.fixture
def published(app, make_client):
    """Hilltop's submitted self-review (every practice embedded), a next step
    for C1 with staff, two years of staff answers, then a pipeline run."""
    client = make_client("hilltop")
    with app.app_context():
        db = get_db()
        framework = load_framework(db)
        practices = {
            component.component_id: [p.practice_id for p in component.practices]
            for component in framework.components
        }
        practice_ids = [p for ids in practices.values() for p in ids]
        add_responses(
            db, HILLTOP, "2024/25", "staff", varied_answers(practice_ids, STAFF_2024)
        )
        add_responses(
            db, HILLTOP, "2025/26", "staff", varied_answers(practice_ids, STAFF_2025)
        )
        add_responses(
            db, HILLTOP, "2024/25", "parent", varied_answers(practice_ids, PARENTS_2024)
        )

    start_self_review(client)
    rate_every_practice(client, practices, level=3)
    assert (
        client.post(
            f"{BASE}/submit", data=form_values(Page.of(client.get(BASE)))
        ).status_code
        == 302
    )
    values = form_values(Page.of(client.get(f"{BASE}/next-steps/new?target=C1")))
    values.update(
        {
            "stakeholder_group": "staff",
            "action": "Staff training on emotional needs",
            "lead": "Mental health lead",
            "starts_on": ["1", "10", "2024"],
            "review_on": ["1", "6", "2025"],
            "expected_change": "Staff feel the ethos supports wellbeing",
        }
    )
    assert client.post(f"{BASE}/next-steps/new", data=values).status_code == 302

    run_pipeline(PipelineSettings.from_config(app.config), run_id=1)
    return client


def table_rows(page: Page, caption_start: str) -> list[list[str]]:
    for table in page.select("table"):
        caption = table.find("caption")
        if caption is not None and text_of(caption).startswith(caption_start):
            return [
                [text_of(cell) for cell in row if cell.tag in ("th", "td")]
                for row in table.find("tbody").iter("tr")
            ]
    raise AssertionError(f"no table captioned {caption_start!r}")


def test_pages_and_report_show_published_results(published):
    """One pipeline run serves every check, because each run builds all of dbt."""
    check_comparison_page(published)
    check_next_steps_page(published)
    check_report_page(published)
    check_report_pdf(published)


def check_comparison_page(published):
    page = check_page(published.get(f"{BASE}/comparison"))

    rows = table_rows(page, "C1 School ethos and environment: the component")
    staff = next(row for row in rows if row[0] == "Staff")
    parents = next(row for row in rows if row[0] == "Parents and carers")
    assert staff[1] == "12"
    assert staff[5].startswith("Blind spot Staff experience this less well")
    assert "Plan a next step" in staff[5]
    assert parents[1] == "Suppressed"
    assert parents[2].startswith("Suppressed Too few parents and carers answered")
    assert len(page.select("svg.app-chart[role=img]")) == 7
    chart_text = text_of(page.select("svg.app-chart")[0])
    assert chart_text.startswith("C1 School ethos and environment: self-review")
    assert "Staff" in chart_text
    assert "Suppressed: too few" in chart_text


def check_next_steps_page(published):
    page = check_page(published.get(f"{BASE}/next-steps"))

    rows = table_rows(page, "Change in the views of staff, 2024/25 to 2025/26")
    targeted = rows[0]
    assert targeted[0].startswith("Targeted C1")
    assert targeted[3].startswith("Rose by ")
    assert targeted[3].endswith(
        "The interval excludes zero, so the change is larger than chance alone "
        "would explain."
    )
    assert [row[0].split()[:3] for row in rows[1:]] == [
        ["Not", "targeted", component_id]
        for component_id in ("C2", "C3", "C4", "C5", "C6", "C7")
    ]


def check_report_page(published):
    response = published.get(f"{BASE}/report")

    assert response.status_code == 200
    page = Page.of(response)
    assert page.select_one("link[rel=stylesheet]").get("href") == (
        "/self-review/report.css"
    )
    text = text_of(page.select_one("main"))
    assert "Version 1, submitted by Alex Hill" in text
    assert "Blind spot" in text
    assert "Suppressed" in text
    assert "Rose by" in text
    assert len(page.select("svg.app-chart")) == 7
    stylesheet = published.get("/self-review/report.css")
    assert stylesheet.mimetype == "text/css"
    assert b"@media print" in stylesheet.data


def check_report_pdf(published):
    response = published.get(f"{BASE}/report.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert "attachment" in response.headers["Content-Disposition"]
