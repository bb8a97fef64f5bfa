"""Signing in and reading results in Debian's chromium, checked with axe-core."""

import pytest
from auth.pages import PASSWORD, add_user
from axe_playwright_python.sync_playwright import Axe

from .conftest import HILLTOP

pytestmark = pytest.mark.browser

EMAIL = "lead@hilltop.example"


def serious_violations(page) -> list[str]:
    """Return axe-core's serious and critical violations on the page, described."""
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def school_user(app, schools):
    return add_user(app, EMAIL, "school", HILLTOP, display_name="Ada Lead")


@pytest.fixture
def page(browser):
    """A page in a fresh browser context.

    This replaces pytest-playwright's page fixture, whose base_url fixture
    emits a deprecation warning under pytest 9.2 that the test settings
    turn into an error.
    """
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_sign_in_and_read_results(live_server, page, published, school_user):
    page.goto(f"{live_server.url}/results")

    assert page.url.startswith(f"{live_server.url}/sign-in?next=")
    assert serious_violations(page) == []
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}/results")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Results for Hilltop Primary"
    chart = page.get_by_role("img", name="Component scores by group")
    assert chart.is_visible()
    table = page.get_by_role("table", name="Scores by component and group, 2024/25")
    pupils = table.get_by_role("row").nth(1).get_by_role("cell").nth(0)
    assert pupils.inner_text().splitlines()[0] == "62 (55–69)"
    assert serious_violations(page) == []

    page.get_by_role("link", name="C2 Relationships and social skills").click()
    page.wait_for_url(f"{live_server.url}/results/components/C2?year=2024/25")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "C2 Relationships and social skills"
    )
    assert serious_violations(page) == []


def test_sign_out_from_navigation(live_server, page, published, school_user):
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/results")

    page.get_by_role("button", name="Sign out").click()

    page.wait_for_url(f"{live_server.url}/sign-in")
    assert "You have signed out" in page.content()
    page.goto(f"{live_server.url}/results")
    assert page.url.startswith(f"{live_server.url}/sign-in")


def test_results_page_fits_a_phone(live_server, page, published, school_user):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/results")

    page_width = page.evaluate("document.documentElement.scrollWidth")
    narrow = page.locator("#components-chart-narrow")
    chart_box = narrow.bounding_box()
    # The chart's own region scrolls sideways only if its drawing is wider.
    region = narrow.locator("xpath=..")
    region_overflow = region.evaluate(
        "element => element.scrollWidth - element.clientWidth"
    )

    assert page_width <= 360
    assert page.locator("#components-chart").is_hidden()
    assert narrow.is_visible()
    assert chart_box["width"] <= 360
    assert region_overflow == 0
    assert serious_violations(page) == []
