"""Sign-in, sign-out, rate limits and the session of staff users."""

import time

import pytest
from argon2 import PasswordHasher

from survey_app.db import get_db
from survey_app.models import User
from survey_app.views.auth import SIGN_IN_FAILED

from .conftest import PASSWORD
from .pages import Page, check_page, csrf_token, sign_in, text_of

EMAIL = "lead@hilltop.example"


def test_sign_in_page_renders_form(client):
    response = client.get("/sign-in")

    page = check_page(response)
    assert page.title.startswith("Sign in")
    assert page.select_one("input#email").get("autocomplete") == "email"
    assert page.select_one("input#password").get("type") == "password"
    assert page.select_one("form").get("method") == "post"
    assert response.headers["Cache-Control"] == "no-store"


def test_sign_in_redirects_to_results(client, make_user):
    user_id = make_user(EMAIL)

    response = sign_in(client, EMAIL, PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/results"
    with client.session_transaction() as stored:
        assert stored["user_id"] == user_id


def test_sign_in_ignores_email_case_and_spaces(client, make_user):
    make_user(EMAIL)

    response = sign_in(client, "  Lead@HILLTOP.example ", PASSWORD)

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (EMAIL, "not the password"),
        ("nobody@hilltop.example", PASSWORD),
    ],
    ids=["wrong-password", "unknown-email"],
)
def test_sign_in_failure_shows_one_message(client, make_user, email, password):
    make_user(EMAIL)

    response = sign_in(client, email, password)

    page = check_page(response)
    assert page.title.startswith("Error: Sign in")
    assert page.texts(".govuk-error-summary__list a") == [SIGN_IN_FAILED]
    assert page.text("#password-error") == f"Error: {SIGN_IN_FAILED}"
    assert page.select_one("input#email").get("value") == email
    assert not page.select_one("input#password").get("value")
    with client.session_transaction() as stored:
        assert "user_id" not in stored


def test_sign_in_rejects_inactive_user(client, make_user):
    make_user(EMAIL, is_active=False)

    response = sign_in(client, EMAIL, PASSWORD)

    assert response.status_code == 200
    assert SIGN_IN_FAILED in Page.of(response).texts(".govuk-error-summary__list a")


def test_unknown_email_costs_one_verification(client, make_user):
    make_user(EMAIL)
    sign_in(client, "warm-up@hilltop.example", PASSWORD)

    def seconds_for(email: str, password: str) -> float:
        token = csrf_token(client)
        started = time.perf_counter()
        client.post(
            "/sign-in",
            data={"csrf_token": token, "email": email, "password": password},
        )
        return time.perf_counter() - started

    wrong_password = min(seconds_for(EMAIL, "not the password") for _ in range(2))
    unknown_email = min(seconds_for("nobody@x.example", PASSWORD) for _ in range(2))

    # An Argon2id verification (64 MiB) takes most of a wrong password's
    # time, so an unknown email that skipped it would take a fraction.
    assert unknown_email > 0.5 * wrong_password


@pytest.mark.parametrize(
    ("email", "password", "field", "message"),
    [
        ("", PASSWORD, "email", "Enter your email address"),
        (
            "lead.hilltop.example",
            PASSWORD,
            "email",
            "Enter an email address in the correct format, like name@example.com",
        ),
        (EMAIL, "", "password", "Enter your password"),
        (EMAIL, "x" * 257, "password", "Password must be 256 characters or fewer"),
    ],
)
def test_sign_in_form_checks_input(client, email, password, field, message):
    response = sign_in(client, email, password)

    page = check_page(response)
    assert page.text(f"#{field}-error") == f"Error: {message}"
    assert len(page.select(f".govuk-error-summary__list a[href='#{field}']")) == 1


def test_sign_in_without_csrf_token_is_rejected(client, make_user):
    make_user(EMAIL)

    response = client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    with client.session_transaction() as stored:
        assert "user_id" not in stored


def test_sign_in_rehashes_old_parameters(app, client, make_user):
    user_id = make_user(EMAIL)
    old_hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    with app.app_context():
        db = get_db()
        db.get(User, user_id).password_hash = old_hasher.hash(PASSWORD)
        db.commit()

    response = sign_in(client, EMAIL, PASSWORD)

    assert response.status_code == 302
    with app.app_context():
        new_hash = get_db().get(User, user_id).password_hash
    assert new_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_sign_in_limited_per_email(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    make_user(EMAIL)

    statuses = [
        sign_in(
            client,
            EMAIL,
            "not the password",
            environ_base={"REMOTE_ADDR": f"127.0.0.{attempt}"},
        ).status_code
        for attempt in range(1, 5)
    ]

    assert statuses == [200, 200, 200, 429]


def test_sign_in_limited_per_client(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    make_user(EMAIL)

    responses = [
        sign_in(client, f"person{attempt}@hilltop.example", "not the password")
        for attempt in range(4)
    ]

    assert [response.status_code for response in responses] == [200, 200, 200, 429]
    page = Page.of(responses[-1])
    assert page.text("h1") == "Too many attempts"


def test_rate_limit_blocks_correct_password(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    make_user(EMAIL)
    sign_in(client, EMAIL, "not the password")
    sign_in(client, EMAIL, "not the password")

    response = sign_in(client, EMAIL, PASSWORD)

    assert response.status_code == 429
    with client.session_transaction() as stored:
        assert "user_id" not in stored


def test_sign_in_page_views_unlimited(app, client):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"

    statuses = {client.get("/sign-in").status_code for _ in range(5)}

    assert statuses == {200}


def test_sign_in_replaces_session_contents(client, make_user):
    user_id = make_user(EMAIL)
    with client.session_transaction() as stored:
        stored["user_id"] = 999
        stored["planted"] = "by an attacker"
    token_before = csrf_token(client)

    sign_in(client, EMAIL, PASSWORD)

    with client.session_transaction() as stored:
        assert stored["user_id"] == user_id
        assert "planted" not in stored
        assert stored.get("csrf_token") is None
    assert csrf_token(client, "/sign-out") != token_before


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.example/results",
        "https://evil.example/results",
        "http:/evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "results",
        "/results\r\nLocation: https://evil.example",
    ],
)
def test_sign_in_rejects_offsite_next(client, make_user, next_path):
    make_user(EMAIL)

    response = sign_in(client, EMAIL, PASSWORD, next_path=next_path)

    assert response.status_code == 302
    assert response.headers["Location"] == "/results"


def test_sign_in_follows_next_on_this_site(client, make_user):
    make_user(EMAIL)

    response = sign_in(client, EMAIL, PASSWORD, next_path="/results?year=2024/25")

    assert response.headers["Location"] == "/results?year=2024/25"


def test_anonymous_user_returns_after_sign_in(client, make_user):
    make_user(EMAIL)

    response = client.get("/results?year=2024/25")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    next_path = response.headers["Location"].split("next=", 1)[1]
    response = client.get(f"/sign-in?next={next_path}")
    form_action = Page.of(response).select_one("form").get("action")
    signed_in = client.post(
        form_action,
        data={
            "csrf_token": csrf_token(client),
            "email": EMAIL,
            "password": PASSWORD,
        },
    )
    assert signed_in.headers["Location"] == "/results?year=2024/25"


def test_sign_out_clears_session(client, make_user):
    make_user(EMAIL)
    sign_in(client, EMAIL, PASSWORD)
    token = csrf_token(client, "/sign-out")

    response = client.post("/sign-out", data={"csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    with client.session_transaction() as stored:
        assert "user_id" not in stored
    assert client.get("/results").headers["Location"].startswith("/sign-in")
    page = check_page(client.get("/sign-in"))
    assert "You have signed out" in page.text(".govuk-notification-banner")


def test_sign_out_without_csrf_token_keeps_session(client, make_user):
    user_id = make_user(EMAIL)
    sign_in(client, EMAIL, PASSWORD)

    response = client.post("/sign-out")

    assert response.headers["Location"] == "/sign-out"
    with client.session_transaction() as stored:
        assert stored["user_id"] == user_id


def test_sign_out_by_get_only_shows_button(client, make_user):
    user_id = make_user(EMAIL)
    sign_in(client, EMAIL, PASSWORD)

    page = check_page(client.get("/sign-out"))

    assert page.select_one("main form").get("action") == "/sign-out"
    with client.session_transaction() as stored:
        assert stored["user_id"] == user_id


def test_signed_in_pages_are_not_cached(client, make_user):
    make_user(EMAIL)
    sign_in(client, EMAIL, PASSWORD)

    response = client.get("/results")

    assert response.headers["Cache-Control"] == "no-store"


def test_anonymous_start_page_has_no_navigation(client):
    page = Page.of(client.get("/"))

    assert page.select(".govuk-service-navigation") == []


def test_signed_in_navigation_links(client, make_user):
    make_user(EMAIL)
    sign_in(client, EMAIL, PASSWORD)

    page = Page.of(client.get("/sign-out"))

    links = page.select(".govuk-service-navigation a")
    assert [(link.get("href"), text_of(link)) for link in links] == [
        ("/results", "Results"),
        ("/self-review", "Self-review"),
        ("/survey-links", "Survey links"),
        ("/borough", "Borough"),
        ("/account/password", "Change password"),
    ]
    button_form = page.select_one(".govuk-service-navigation form")
    assert button_form.get("action") == "/sign-out"
    assert button_form.find(".//button").text == "Sign out"


def test_session_cookie_is_http_only_and_lax(client, make_user):
    make_user(EMAIL)

    response = sign_in(client, EMAIL, PASSWORD)

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
