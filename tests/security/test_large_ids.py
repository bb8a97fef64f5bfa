"""Ids beyond SQLite's integer range in URLs: not found, never a server error."""

import re

import pytest
from auth.pages import PASSWORD, add_user, sign_in
from werkzeug.exceptions import NotFound

# 25 digits, more than the 19 of SQLite's largest integer, 2**63 - 1.
TOO_LARGE = "9" * 25
LARGEST = str(2**63 - 1)
PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def rules_with_ids(app):
    """Return (rule, method) for every route with an <int:...> part."""
    return [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if "int:" in rule.rule
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


def url_with(rule, number: str) -> str:
    """Return the rule's URL with number for each id and 'x' for other parts."""

    def part(match) -> str:
        return number if match.group(1) == "int" else "x"

    return PLACEHOLDER.sub(part, rule.rule)


@pytest.fixture
def admin_client(app):
    add_user(app, "admin@staff.example", "admin", None)
    client = app.test_client()
    assert sign_in(client, "admin@staff.example", PASSWORD).status_code == 302
    return client


def test_every_kind_of_id_walked(app):
    endpoints = {rule.endpoint for rule, _ in rules_with_ids(app)}

    for endpoint in (
        "admin.account",
        "admin.edit_school",
        "results.school",
        "survey_admin.school_links",
        "survey_admin.poster",
        "self_review.version",
    ):
        assert endpoint in endpoints, sorted(endpoints)


@pytest.mark.parametrize("number", [TOO_LARGE, "1" + LARGEST])
def test_too_large_id_is_404(app, admin_client, number):
    for rule, method in rules_with_ids(app):
        url = url_with(rule, number)
        response = admin_client.open(url, method=method)

        assert response.status_code == 404, (method, url, response.status_code)


def test_largest_id_still_matches(app):
    adapter = app.url_map.bind("localhost")

    endpoint, values = adapter.match(f"/admin/accounts/{LARGEST}")

    assert endpoint == "admin.account"
    assert values == {"user_id": 2**63 - 1}
    with pytest.raises(NotFound):
        adapter.match(f"/admin/accounts/{2**63}")
