"""The main pages work in chromium under their Content Security Policy.

Chromium reports each blocked script, style or other resource as a
`securitypolicyviolation` event and a console error. The listener is added
through Playwright's init script, which the page's policy does not govern.
The inline script of the page template must run (it sets the js-enabled
class on the body), and so must the GOV.UK Frontend module.
"""

import threading

import pytest
from werkzeug.serving import make_server

from survey_app.demo import DEMO_PASSWORD

from .demo_world import ADMIN_EMAIL, STAFF_PASSWORD, WorldCopy

pytestmark = [pytest.mark.browser, pytest.mark.dbt, pytest.mark.slow]

LISTEN_FOR_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
  );
});
"""
SIGN_INS = {
    "a": ("lead@elm-park.demo", DEMO_PASSWORD),
    "borough": ("officer@borough.demo", DEMO_PASSWORD),
    "admin": (ADMIN_EMAIL, STAFF_PASSWORD),
}


@pytest.fixture(scope="module")
def server_url(world: WorldCopy):
    server = make_server("127.0.0.1", 0, world.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def pages(world: WorldCopy) -> dict[str, tuple[str | None, str]]:
    """Return the pages to open: name to (role or None, path)."""
    school = world.info.school_a
    current = world.info.current_slug
    previous = world.info.previous_slug
    return {
        "start page": (None, "/"),
        "sign-in": (None, "/sign-in"),
        "not found": (None, "/no-such-page"),
        "survey start": (None, f"/s/{school.parent_token}"),
        "school results": ("a", "/results"),
        "component results": ("a", "/results/components/C1"),
        "self-review": ("a", f"/self-review/{current}"),
        "self-review component": ("a", f"/self-review/{current}/components/C1"),
        "comparison": ("a", f"/self-review/{previous}/comparison"),
        "next steps": ("a", f"/self-review/{current}/next-steps"),
        "new next step": ("a", f"/self-review/{current}/next-steps/new"),
        "governors' report": ("a", f"/self-review/{previous}/report"),
        "survey links": ("a", f"/schools/{school.school_id}/survey-links"),
        "poster": (
            "a",
            f"/schools/{school.school_id}/survey-links/{school.parent_link_id}/poster",
        ),
        "borough school choice": ("borough", "/results"),
        "validation report": ("borough", "/results/validation-report"),
        "borough dashboard": ("borough", "/borough"),
        "administration": ("admin", "/admin"),
        "schools": ("admin", "/admin/schools"),
        "new school": ("admin", "/admin/schools/new"),
        "new windows": ("admin", "/admin/windows/new"),
        "accounts": ("admin", "/admin/accounts"),
        "new account": ("admin", "/admin/accounts/new"),
        "audit log": ("admin", "/admin/audit-log"),
    }


PAGE_NAMES = [
    "start page",
    "sign-in",
    "not found",
    "survey start",
    "school results",
    "component results",
    "self-review",
    "self-review component",
    "comparison",
    "next steps",
    "new next step",
    "governors' report",
    "survey links",
    "poster",
    "borough school choice",
    "validation report",
    "borough dashboard",
    "administration",
    "schools",
    "new school",
    "new windows",
    "accounts",
    "new account",
    "audit log",
]


@pytest.fixture(scope="module")
def signed_in_states(browser, server_url) -> dict:
    """Sign each role in once through the form; return their cookies.

    Once per module, because sign-in allows 10 attempts a minute per client.
    """
    states = {None: None}
    for role, (email, password) in SIGN_INS.items():
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{server_url}/sign-in")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_load_state("load")
        assert "/sign-in" not in page.url, f"sign-in as {role} failed"
        states[role] = context.storage_state()
        context.close()
    return states


@pytest.fixture
def open_page(browser, signed_in_states):
    """Return a function that opens a page in a fresh context of a role."""
    contexts = []

    def open_for(role):
        context = browser.new_context(storage_state=signed_in_states[role])
        contexts.append(context)
        return context.new_page()

    yield open_for
    for context in contexts:
        context.close()


def open_and_watch(page, url: str) -> tuple[list[str], list[str]]:
    console_errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.add_init_script(LISTEN_FOR_VIOLATIONS)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__cspViolations || []")
    return violations, console_errors


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_has_no_policy_violation(world, server_url, open_page, name):
    role, path = pages(world)[name]
    page = open_page(role)

    violations, console_errors = open_and_watch(page, server_url + path)

    assert violations == []
    assert [text for text in console_errors if "Content Security Policy" in text] == []
    # The two reports are standalone documents without the page template.
    if name not in ("validation report", "governors' report"):
        classes = page.evaluate("document.body.className")
        assert "js-enabled" in classes
        assert "govuk-frontend-supported" in classes


def test_questionnaire_works_under_policy(world, server_url, open_page):
    """A respondent goes from the start page to the first question in chromium."""
    page = open_page(None)
    token = world.info.school_a.parent_token
    violations, _ = open_and_watch(page, f"{server_url}/s/{token}")

    page.click("button[name=action][value=start]")
    page.wait_for_url(f"**/s/{token}/page/1")
    page.check("input[type=radio] >> nth=0")
    violations += page.evaluate("window.__cspViolations || []")

    assert violations == []
    assert page.is_checked("input[type=radio] >> nth=0")
