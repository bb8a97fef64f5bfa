"""The borough dashboard and the admin pages in chromium, checked with axe-core."""

import pytest
from auth.pages import PASSWORD, add_user
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .test_admin_pages import CLOSES, OPENS, YEAR

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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
def page(browser):
    """A page in a fresh browser context.

    This replaces pytest-playwright's page fixture, whose base_url fixture
    emits a deprecation warning under pytest 9.2 that the test settings
    turn into an error.
    """
    context = browser.new_context()
    yield context.new_page()
    context.close()


def sign_in(page, live_server, email: str, next_path: str) -> None:
    page.goto(f"{live_server.url}{next_path}")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}{next_path}*")


def test_borough_officer_reads_dashboard(
    app, live_server, page, store_schools, published_borough
):
    add_user(app, "officer@borough.example", "borough")
    sign_in(page, live_server, "officer@borough.example", "/borough")

    assert page.get_by_role("heading", level=1).inner_text() == "Borough results"
    assert serious_violations(page) == []

    page.get_by_label("Group", exact=True).select_option("parent")
    page.get_by_role("button", name="Show results").click()
    page.wait_for_url("**group=parent**")

    changes = page.get_by_role("table", name="Change from 2023/24 to 2024/25")
    assert changes.get_by_text("Significant rise").count() == 1
    assert changes.get_by_text("Compared on 1 of 3 questions").count() == 1
    heat_map = page.get_by_role("table", name="School scores by component")
    assert heat_map.get_by_role("row").count() == 4
    trend = page.get_by_role("img", name="C1 School ethos and environment")
    assert trend.is_visible()
    assert serious_violations(page) == []

    page.get_by_label("Schools", exact=True).select_option("primary")
    page.get_by_role("button", name="Show results").click()
    page.wait_for_url("**phase=primary**")
    scores = page.get_by_role("table", name="Scores by component and group")
    assert scores.get_by_text("Fewer than 3 schools").count() > 0
    assert serious_violations(page) == []


def test_dashboard_fits_a_phone(
    app, live_server, page, store_schools, published_borough
):
    add_user(app, "officer@borough.example", "borough")
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server, "officer@borough.example", "/borough")

    page_width = page.evaluate("document.documentElement.scrollWidth")

    assert page_width <= 360
    assert serious_violations(page) == []


CAPTION_EDGES = """() => [...document.querySelectorAll('.app-scroll-container')].map(
    (container) => {
        const caption = container.querySelector('caption').getBoundingClientRect();
        const box = container.getBoundingClientRect();
        return [container.querySelector('table').id, caption.left - box.left,
                box.right - caption.right];
    })"""


def test_heat_map_fits_desktop_width(
    app, live_server, page, store_schools, published_borough
):
    add_user(app, "officer@borough.example", "borough")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "officer@borough.example", "/borough?group=parent")

    container = page.locator(".app-scroll-container:has(#heat-map)")
    scroll_width = container.evaluate("element => element.scrollWidth")
    client_width = container.evaluate("element => element.clientWidth")
    heat_cell = page.locator("#heat-map tr[data-school='1'] td[data-component='C1']")

    assert scroll_width <= client_width
    assert heat_cell.locator(".app-heat__detail").first.is_visible()
    assert heat_cell.locator(".app-heat__detail").last.is_visible()
    assert "n = 12" in heat_cell.inner_text().replace("\xa0", " ")


def test_captions_stay_on_a_phone_screen(
    app, live_server, page, store_schools, published_borough
):
    add_user(app, "officer@borough.example", "borough")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "officer@borough.example", "/borough?group=parent")

    edges = page.evaluate(CAPTION_EDGES)

    assert len(edges) == 5
    for table_id, left_gap, right_gap in edges:
        assert left_gap >= 0, table_id
        assert right_gap >= 0, table_id


def test_school_user_refused_dashboard(
    app, live_server, page, store_schools, published_borough
):
    add_user(app, "lead@hilltop.example", "school", 1)
    sign_in(page, live_server, "lead@hilltop.example", "/results")

    response = page.goto(f"{live_server.url}/borough")

    assert response.status == 403
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "You cannot see this page"
    assert "Borough results" not in page.content()
    assert serious_violations(page) == []


def test_admin_sets_up_schools_and_accounts(app, live_server, page, store_schools):
    add_user(app, "admin@borough.example", "admin")
    sign_in(page, live_server, "admin@borough.example", "/admin")
    assert serious_violations(page) == []

    # A school with its numbers on roll.
    page.goto(f"{live_server.url}/admin/schools/new")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Add school").click()
    expect(
        page.get_by_role("alert").get_by_text("Enter the school’s name")
    ).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("School name").fill("Oak Tree Primary")
    page.get_by_label("Unique reference number (URN)").fill("123456")
    page.get_by_label("Primary", exact=True).check()
    page.get_by_label("Pupils in Years 3 to 6 (optional)").fill("210")
    page.get_by_role("button", name="Add school").click()
    page.wait_for_url(f"{live_server.url}/admin/schools")
    assert page.get_by_text("Oak Tree Primary added").count() == 1
    assert serious_violations(page) == []

    # Windows for every primary school and one secondary.
    page.goto(f"{live_server.url}/admin/windows/new")
    assert serious_violations(page) == []
    page.get_by_label("Primary", exact=True).check()
    page.get_by_label("Riverside Academy (Secondary)").check()
    # The next academic year, so that the closing date is never in the past.
    page.get_by_label("Academic year").fill(YEAR)
    opening = page.get_by_role("group", name="Opening date")
    opening.get_by_label("Day").fill(str(OPENS.day))
    opening.get_by_label("Month").fill(str(OPENS.month))
    opening.get_by_label("Year").fill(str(OPENS.year))
    closing = page.get_by_role("group", name="Closing date")
    closing.get_by_label("Day").fill(str(CLOSES.day))
    closing.get_by_label("Month").fill(str(CLOSES.month))
    closing.get_by_label("Year").fill(str(CLOSES.year))
    page.get_by_role("button", name="Open survey windows").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Survey windows for {YEAR}"
    )
    assert page.get_by_role("heading", name="Opened: 4").count() == 1
    assert serious_violations(page) == []

    # An account with a generated password.
    page.goto(f"{live_server.url}/admin/accounts/new")
    assert serious_violations(page) == []
    page.get_by_label("Email address").fill("lead@oak.example")
    page.get_by_label("Full name").fill("Lee Oak")
    page.get_by_role("radio", name="School staff").check()
    page.get_by_label("School (for school staff)").select_option(
        label="Oak Tree Primary"
    )
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Account created")).to_have_count(1)
    password = page.locator("#generated-password").inner_text()
    assert len(password) == 19
    assert serious_violations(page) == []

    # The audit log shows each change, newest first.
    page.goto(f"{live_server.url}/admin/audit-log")
    actions = page.locator("#audit-table tbody tr").evaluate_all(
        "rows => rows.map(row => row.dataset.action)"
    )
    assert actions == [
        "user.created",
        *["survey_window.created"] * 4,
        "school.created",
        # The administrator's own account, made from the command line.
        "user.created",
    ]
    assert serious_violations(page) == []


def test_admin_changes_school_and_account(app, live_server, page, store_schools):
    add_user(app, "admin@borough.example", "admin")
    add_user(app, "officer@borough.example", "borough")
    sign_in(page, live_server, "admin@borough.example", "/admin")

    # A school's change page, first with an invalid URN.
    page.goto(f"{live_server.url}/admin/schools")
    page.get_by_role("link", name="Change Hilltop Primary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change Hilltop Primary")
    assert serious_violations(page) == []
    page.get_by_label("Unique reference number (URN)").fill("12345")
    page.get_by_role("button", name="Save changes").click()
    expect(
        page.get_by_role("alert").get_by_text("URN ‘12345’ is not valid")
    ).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("Unique reference number (URN)").fill("100009")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"{live_server.url}/admin/schools")
    assert page.get_by_text("Hilltop Primary changed").count() == 1

    # An account: reset its password, then deactivate it.
    page.goto(f"{live_server.url}/admin/accounts")
    page.get_by_role("link", name="officer@borough.example").click()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Reset password").click()
    expect(page.get_by_role("heading", name="Password reset")).to_have_count(1)
    assert len(page.locator("#generated-password").inner_text()) == 19
    assert serious_violations(page) == []
    page.get_by_role("link", name="Back to officer@borough.example").click()
    page.get_by_role("button", name="Deactivate account").click()
    expect(page.get_by_text("officer@borough.example deactivated")).to_have_count(1)
    expect(page.get_by_role("button", name="Reactivate account")).to_have_count(1)
    assert serious_violations(page) == []
