"""The self-review in Debian's chromium: a school lead completes, saves,
submits and revises it, then reads and downloads the governors' report.
axe-core checks the pages visited for serious or critical violations."""

import pytest
from auth.pages import PASSWORD
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from pipeline.run import run_pipeline
from pipeline.settings import PipelineSettings
from survey_app.db import get_db
from survey_app.self_review import load_framework

from .pages import BASE, HILLTOP, form_values, rate_every_practice, start_self_review
from .survey_store import add_responses, varied_answers

pytestmark = pytest.mark.browser

BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


def assert_accessible(axe: Axe, page) -> None:
    """Fail on any serious or critical axe-core violation."""
    results = axe.run(page)
    blocking = [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]
    assert not blocking, f"{page.url}: {blocking}"


def sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def rate_component(page, rating: str) -> None:
    """Choose one rating for every practice on the open component page."""
    for fieldset in page.locator("main form fieldset.govuk-fieldset").all():
        labels = fieldset.get_by_text(rating, exact=True)
        if labels.count():
            labels.click()


def test_lead_completes_submits_and_revises(browser, live_server, users, axe):
    page = browser.new_page()
    sign_in(page, live_server, "lead@hilltop.example")

    page.goto(f"{live_server.url}/self-review")
    expect(page.locator("h1")).to_have_text("Self-review")
    assert_accessible(axe, page)
    page.get_by_label("Academic year").select_option("2024/25")
    page.get_by_role("button", name="Start the self-review").click()
    expect(page.locator("h1")).to_have_text("Self-review 2024/25")
    assert_accessible(axe, page)

    page.get_by_role("link", name="C1 School ethos and environment").click()
    expect(page.locator("h1")).to_have_text("C1 School ethos and environment")
    assert_accessible(axe, page)
    rate_component(page, "Established")
    page.get_by_label("Evidence for the rating of P1.1").fill("x" * 4001)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Evidence for P1.1 must be 4,000 characters or fewer"
    )
    assert page.title().startswith("Error: ")
    assert_accessible(axe, page)
    page.get_by_label("Evidence for the rating of P1.1").fill(
        "Staff model respect in every lesson observation this term"
    )
    page.get_by_label("For all pupils (preventative)").fill("Weekly circle time")
    page.get_by_label("For pupils at risk").fill("Learning mentor check-ins")
    page.get_by_label("For the most vulnerable pupils").fill("CAMHS clinic in school")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "School ethos and environment: saved"
    )
    expect(page.locator(".govuk-task-list__status").first).to_have_text("Completed")

    for link in page.locator(".govuk-task-list__link").all()[1:]:
        title = link.inner_text().strip()
        link.click()
        # rate_component reads the fieldsets at once, so the page must be open.
        expect(page.locator("h1")).to_have_text(title)
        rate_component(page, "Emerging")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("h1")).to_have_text("Self-review 2024/25")
        expect(page.locator(".govuk-notification-banner")).to_be_visible()

    page.get_by_role("button", name="Submit the self-review").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Version 1 of the self-review is submitted"
    )
    expect(page.locator("main")).to_contain_text("submitted by Alex Hill")
    assert_accessible(axe, page)

    page.get_by_role("button", name="Start a new version").click()
    expect(page.locator("main")).to_contain_text("Version 2, started by Alex Hill")
    page.get_by_role("link", name="C1 School ethos and environment").click()
    page.locator("fieldset", has_text="P1.1:").get_by_text(
        "Embedded", exact=True
    ).click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("table")).to_contain_text("Rating of P1.1")
    assert_accessible(axe, page)

    page.get_by_role("link", name="Version 1").click()
    expect(page.locator("h1")).to_have_text("Version 1")
    first = page.locator(".govuk-summary-list__row", has_text="P1.1:")
    expect(first).to_contain_text("Established")
    expect(first).to_contain_text("Staff model respect")
    assert_accessible(axe, page)
    page.close()


@pytest.fixture
def report_ready(app, make_client):
    """A submitted self-review, a next step and published survey results."""
    client = make_client("hilltop")
    with app.app_context():
        framework = load_framework(get_db())
        practices = {
            component.component_id: [p.practice_id for p in component.practices]
            for component in framework.components
        }
        practice_ids = [p for ids in practices.values() for p in ids]
        add_responses(
            get_db(),
            HILLTOP,
            "2024/25",
            "staff",
            varied_answers(practice_ids, [2, 3, 2, 4, 3, 2, 3, 2, 2, 3, 4, 2]),
        )
        add_responses(
            get_db(),
            HILLTOP,
            "2024/25",
            "parent",
            varied_answers(practice_ids, [4, 5, 4]),
        )
    start_self_review(client)
    rate_every_practice(client, practices, level=2)
    client.post(f"{BASE}/submit", data=form_values_of(client, BASE))
    values = form_values_of(client, f"{BASE}/next-steps/new?target=P2.2&group=staff")
    values.update(
        {
            "action": "Peer-support programme",
            "lead": "Deputy head",
            "starts_on": ["1", "11", "2024"],
            "review_on": ["1", "7", "2025"],
            "expected_change": "Staff see pupils support each other",
        }
    )
    client.post(f"{BASE}/next-steps/new", data=values)
    run_pipeline(PipelineSettings.from_config(app.config), run_id=1)


def form_values_of(client, path: str) -> dict:
    from auth.pages import Page

    return form_values(Page.of(client.get(path)))


def test_governors_report_reads_and_downloads(
    browser, live_server, users, report_ready, axe
):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server, "lead@hilltop.example")

    page.goto(f"{live_server.url}{BASE}/comparison")
    expect(page.locator("svg.app-chart")).to_have_count(7)
    assert_accessible(axe, page)
    page.goto(f"{live_server.url}{BASE}/next-steps")
    expect(page.locator("main")).to_contain_text("Peer-support programme")
    expect(page.locator("main")).to_contain_text("Results for 2025/26 are not")
    assert_accessible(axe, page)

    page.goto(f"{live_server.url}{BASE}")
    page.get_by_role("link", name="Report for governors", exact=True).click()
    expect(page.locator("h1")).to_have_text(
        "Mental health and wellbeing self-review 2024/25"
    )
    expect(page.locator("main")).to_contain_text("Suppressed")
    expect(page.locator("main")).to_contain_text("Peer-support programme")
    expect(page.locator("svg.app-chart")).to_have_count(7)
    assert_accessible(axe, page)
    page.emulate_media(media="print")
    expect(page.locator(".report-actions")).to_be_hidden()
    page.emulate_media(media="screen")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as PDF").click()
    path = download_info.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download_info.value.suggested_filename.startswith("self-review-2024-25-")
    context.close()
