"""The questionnaire in Debian's chromium, filled in as a person would, and axe."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from .conftest import current_academic_year, shift_academic_year

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 375, "height": 740},
    "is_mobile": True,
    "has_touch": True,
}
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def desktop(browser):
    """A page in a fresh desktop-sized context.

    pytest-playwright's own page fixture is not used: with pytest 9.2 its
    base_url fixture raises a deprecation warning, which the test settings
    turn into an error.
    """
    context = browser.new_context()
    yield context.new_page()
    context.close()


def assert_accessible(axe: Axe, page, allowed: frozenset = frozenset()) -> None:
    """Fail on any serious or critical axe-core violation not in allowed."""
    results = axe.run(page)
    blocking = [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING_IMPACTS and violation["id"] not in allowed
    ]
    assert not blocking, f"{page.url}: {blocking}"


def answer_question_pages(page, axe, choose, page_count: int = 7) -> None:
    """Answer every question page by clicking labels.

    choose(legend) returns the label to click for a question. The first page
    is first sent empty, to check its error summary. axe is None when the
    page runs no script, because axe-core runs as a script in the page.
    """
    for number in range(1, page_count + 1):
        caption = page.locator(".govuk-caption-l")
        expect(caption).to_have_text(f"Page {number} of {page_count}")
        if number == 1:
            page.get_by_role("button", name="Continue").click()
            expect(page.locator(".govuk-error-summary")).to_be_visible()
            assert page.title().startswith("Error: ")
            if axe is not None:
                assert_accessible(axe, page)
        for fieldset in page.locator("fieldset").all():
            legend = fieldset.locator("legend").inner_text()
            fieldset.get_by_text(choose(legend), exact=True).click()
        page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Check your answers")


def test_pupil_fills_in_questionnaire_on_phone(
    browser, live_server, survey, store, axe
):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{survey.tokens['pupil_primary']}")
    expect(page.locator("h1")).to_have_text("Tell us about your school")
    assert_accessible(axe, page)

    page.get_by_role("button", name="Start now").click()
    expect(page.locator("h1")).to_have_text("What year are you in?")
    assert_accessible(axe, page)
    page.get_by_text("Year 4", exact=True).click()
    page.get_by_role("button", name="Continue").click()

    expect(page.locator(".govuk-caption-l")).to_have_text("Page 1 of 7")
    assert_accessible(axe, page)
    answer_question_pages(
        page, axe, lambda legend: "Not sure" if "safe" in legend else "Yes"
    )

    assert_accessible(axe, page)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("h1")).to_have_text("Your answers have been sent")
    expect(page.locator("main")).to_contain_text("0800 1111")
    assert_accessible(axe, page)
    context.close()

    response = store.execute(
        "select response_seq, stakeholder_group, year_group from responses"
    ).fetchall()
    assert response == [(1, "pupil_primary", 4)]
    answers = dict(store.execute("select question_id, coalesce(value, 0) from answers"))
    assert len(answers) == 21
    assert answers["pri-P1.4-a"] == 0
    assert {value for key, value in answers.items() if key != "pri-P1.4-a"} == {3}


def test_parent_fills_in_questionnaire_without_javascript(
    browser, live_server, survey, store
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{survey.tokens['parent']}")
    expect(page.locator("h1")).to_have_text("Survey for parents and carers")

    page.get_by_role("button", name="Start now").click()
    answer_question_pages(
        page,
        None,
        lambda legend: "Don’t know" if "communicat" in legend.lower() else "Agree",
    )
    page.get_by_role("button", name="Send my answers").click()

    expect(page.locator("h1")).to_have_text("Your answers have been sent")
    context.close()
    rows = store.execute(
        "select stakeholder_group, year_group, is_too_fast from responses"
    ).fetchall()
    assert rows == [("parent", None, 1)]
    values = [row[0] for row in store.execute("select value from answers")]
    assert len(values) == 23
    assert set(values) <= {4, None}
    assert 4 in values


def test_closed_and_unknown_pages_accessible(desktop, live_server, make_survey, axe):
    page = desktop
    last_year = shift_academic_year(current_academic_year(), -1)
    closed = make_survey(academic_year=last_year, name="Closed Primary")

    response = page.goto(f"{live_server.url}/s/{closed.tokens['parent']}")
    assert response.status == 410
    expect(page.locator("h1")).to_have_text("This survey is closed")
    assert_accessible(axe, page)

    response = page.goto(f"{live_server.url}/s/zzzzzzzz")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("We cannot find this survey")
    assert_accessible(axe, page)


def test_code_entry_in_browser(desktop, live_server, survey, issue_codes, axe):
    page = desktop
    code = issue_codes(survey.link_ids["pupil_primary"], count=1)[0]
    page.goto(f"{live_server.url}/s/{survey.tokens['pupil_primary']}")
    assert_accessible(axe, page)

    page.get_by_label("Enter your code").fill("KKK-KKK-KKK")
    page.get_by_role("button", name="Start now").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "is not a code for this survey"
    )
    assert_accessible(axe, page)
    page.get_by_label("Enter your code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Start now").click()

    expect(page.locator("h1")).to_have_text("What year are you in?")


def test_kiosk_back_button_shows_no_answers(
    browser, live_server, survey, set_access, store, axe
):
    set_access(survey.link_ids["pupil_primary"], kiosk=True)
    start_url = f"{live_server.url}/s/{survey.tokens['pupil_primary']}"
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(start_url)
    page.get_by_role("button", name="Start now").click()
    page.get_by_text("Year 5", exact=True).click()
    page.get_by_role("button", name="Continue").click()
    answer_question_pages(page, axe, lambda legend: "No")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("h1")).to_have_text("Your answers have been sent")
    expect(page.get_by_role("button", name="Next person")).to_be_visible()
    # The page goes back to the start by itself, which kiosk mode needs and
    # axe's meta-refresh rule flags. "Stay on this page" turns it off.
    assert_accessible(axe, page, allowed=frozenset({"meta-refresh"}))

    cache_misses = 0
    for _ in range(11):
        try:
            page.go_back()
        except PlaywrightError as error:
            # Page 1 with its errors came from a POST, so chromium will not
            # show it from its cache and shows an error page of its own.
            assert "ERR_CACHE_MISS" in str(error)
            cache_misses += 1
        assert page.locator("input[type=radio]:checked").count() == 0
        expect(page.locator("body")).not_to_contain_text("Check your answers")
        expect(page.locator("body")).not_to_contain_text("You have already started")
    assert cache_misses == 1
    page.goto(start_url)
    expect(page.locator("main")).not_to_contain_text("You have already started")
    context.close()
    assert store.execute("select count(*) from responses").fetchone() == (1,)


def test_kiosk_returns_to_start_by_itself(
    browser, live_server, survey, set_access, app
):
    set_access(survey.link_ids["pupil_primary"], kiosk=True)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{survey.tokens['pupil_primary']}/thank-you")
    refresh = page.locator("meta[http-equiv=refresh]").get_attribute("content")

    page.get_by_role("button", name="Next person").click()

    assert refresh.startswith("20;url=/s/")
    expect(page.locator("h1")).to_have_text("Tell us about your school")
    context.close()
