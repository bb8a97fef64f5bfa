"""Security headers and the Content Security Policy on every page.

Every GET route of routes.ROUTES is requested as each role allowed to open
it, plus error pages, and each response must carry the headers below. HTML
pages must also work under their policy: every inline script carries the
response's nonce, and no element has an inline style or event handler,
which the policy would block.
"""

import re

import pytest

from .demo_world import WorldCopy
from .forms import parse_forms
from .requests import build_url
from .routes import ALLOWED, ROLES, ROUTES

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

GETS = [case for case in ROUTES if case.method == "GET"]
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
UNSAFE_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:")
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
NONCE_ATTRIBUTE = re.compile(r"\bnonce=\"([^\"]*)\"")
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)


def policy(response) -> dict[str, list[str]]:
    """Return the Content Security Policy's directives and their sources."""
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def check_policy(response) -> None:
    directives = policy(response)

    assert directives.get("default-src") in (["'self'"], ["'none'"])
    assert directives.get("frame-ancestors") == ["'none'"]
    assert directives.get("base-uri") in (["'none'"], ["'self'"])
    assert directives.get("object-src", ["'none'"]) == ["'none'"]
    for directive in ("script-src", "style-src", "default-src"):
        for source in directives.get(directive, []):
            assert source not in UNSAFE_SOURCES, f"{directive} allows {source}"
    assert "form-action" in directives


def check_headers(response) -> None:
    for name, value in FIXED_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert "camera=()" in response.headers.get("Permissions-Policy", "")
    check_policy(response)


def check_html_follows_policy(response) -> None:
    """Check that an HTML page runs under its policy: nonces, no inline styles."""
    html = response.get_data(as_text=True)
    sources = policy(response).get("script-src", [])
    nonces = {source[7:-1] for source in sources if source.startswith("'nonce-")}
    for attributes, content in SCRIPT_TAG.findall(html):
        if "src=" in attributes and not content.strip():
            continue
        found = NONCE_ATTRIBUTE.search(attributes)
        assert found, f"inline script without a nonce: {content[:80]!r}"
        assert found.group(1) in nonces, "inline script nonce is not the policy's"
    assert not INLINE_HANDLER.search(html), "inline event handler"
    assert not STYLE_ATTRIBUTE.search(html), "inline style attribute"


@pytest.mark.parametrize("case", GETS, ids=lambda case: case.id)
def test_page_headers(world: WorldCopy, case):
    checked = 0
    for role in ROLES:
        url = build_url(world, case, case.values(world, world.info.school_a))
        response = world.client(role).get(url, buffered=True)
        response.close()

        check_headers(response)
        if response.status_code == 200 and response.mimetype == "text/html":
            check_html_follows_policy(response)
            checked += 1
        if case.access.of(role) != ALLOWED:
            continue
        assert response.status_code < 400, (role, url, response.status_code)


def test_nonce_differs_per_response(world: WorldCopy):
    client = world.client("anonymous")
    first = policy(client.get("/sign-in"))["script-src"]
    second = policy(client.get("/sign-in"))["script-src"]

    assert [s for s in first if s.startswith("'nonce-")]
    assert first != second


@pytest.mark.parametrize(
    "path, status",
    [
        ("/no-such-page", 404),
        ("/s/nosuchtoken", 404),
        ("/sign-out", 405),
    ],
)
def test_error_pages_have_headers(world: WorldCopy, path, status):
    client = world.client("anonymous")
    method = "PUT" if status == 405 else "GET"

    response = client.open(path, method=method)

    assert response.status_code == status
    check_headers(response)


def test_strict_transport_security_over_https(world: WorldCopy):
    client = world.client("anonymous")

    secure = client.get("/sign-in", base_url="https://localhost")
    plain = client.get("/sign-in")

    assert secure.headers.get("Strict-Transport-Security", "").startswith("max-age=")
    max_age = int(secure.headers["Strict-Transport-Security"].split("=")[1][:9])
    assert max_age >= 31536000
    assert "Strict-Transport-Security" not in plain.headers


def test_staff_pages_are_not_cached(world: WorldCopy):
    client = world.client("a")
    for case in GETS:
        if not case.school_scoped or case.access.a != ALLOWED:
            continue
        url = build_url(world, case, case.values(world, world.info.school_a))
        response = client.get(url, buffered=True)
        response.close()
        assert response.headers.get("Cache-Control") == "no-store", url


def test_forms_post_to_this_site(world: WorldCopy):
    """Every form on the pages posts to a path of this site, never elsewhere."""
    for case in GETS:
        url = build_url(world, case, case.values(world, world.info.school_a))
        response = world.client("a").get(url, buffered=True)
        response.close()
        if response.mimetype != "text/html":
            continue
        for form in parse_forms(response.get_data(as_text=True)):
            assert form.action.startswith("/"), (url, form.action)
            assert not form.action.startswith("//"), (url, form.action)
