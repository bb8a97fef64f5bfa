"""Changing a password, the first sign-in of an account an administrator made,
and sessions that end on the server."""

from survey_app.db import get_db
from survey_app.models import User
from survey_app.passwords import verify_password

from .conftest import PASSWORD
from .pages import check_page, csrf_token, sign_in

EMAIL = "lead@hilltop.example"
NEW_PASSWORD = "plums under the bridge"


def change(client, current, new, confirm=None):
    token = csrf_token(client, "/account/password")
    return client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
        },
    )


def stored_user(app, user_id) -> User:
    with app.app_context():
        user = get_db().get(User, user_id)
        get_db().expunge(user)
        return user


def test_first_sign_in_asks_for_a_new_password(app, client, make_user):
    user_id = make_user(EMAIL, must_change_password=True)

    response = sign_in(client, EMAIL, PASSWORD)
    followed = client.get(response.headers["Location"])

    assert followed.status_code == 302
    assert followed.headers["Location"] == "/account/password"
    page = check_page(client.get("/account/password"))
    assert "someone else chose" in page.text("main")
    assert client.get("/borough").headers["Location"] == "/account/password"

    response = change(client, PASSWORD, NEW_PASSWORD)

    assert response.headers["Location"] == "/results"
    assert client.get("/results").status_code == 200
    user = stored_user(app, user_id)
    assert user.must_change_password is False
    assert verify_password(user.password_hash, NEW_PASSWORD)


def test_change_keeps_this_session_and_ends_others(app, make_user):
    make_user(EMAIL)
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, EMAIL, PASSWORD)
    sign_in(elsewhere, EMAIL, PASSWORD)

    change(here, PASSWORD, NEW_PASSWORD)

    assert here.get("/results").status_code == 200
    assert elsewhere.get("/results").headers["Location"].startswith("/sign-in")
    assert sign_in(app.test_client(), EMAIL, PASSWORD).status_code == 200
    assert sign_in(app.test_client(), EMAIL, NEW_PASSWORD).status_code == 302


def test_sign_out_ends_a_copied_session_cookie(app, client, make_user):
    make_user(EMAIL)
    sign_in(client, EMAIL, PASSWORD)
    copy = app.test_client()
    with client.session_transaction() as original:
        copied = dict(original)
    with copy.session_transaction() as session:
        session.update(copied)
    assert copy.get("/results").status_code == 200

    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/sign-out")})

    assert copy.get("/results").headers["Location"].startswith("/sign-in")


def test_wrong_current_password_changes_nothing(app, client, make_user):
    user_id = make_user(EMAIL)
    sign_in(client, EMAIL, PASSWORD)
    before = stored_user(app, user_id)

    response = change(client, "not my password", NEW_PASSWORD)

    page = check_page(response)
    assert page.title.startswith("Error:")
    assert page.texts(".govuk-error-summary li") == [
        "The current password is wrong: type the password you signed in with"
    ]
    after = stored_user(app, user_id)
    assert after.password_hash == before.password_hash
    assert after.session_version == before.session_version


def test_new_password_is_checked(app, client, make_user):
    make_user(EMAIL)
    sign_in(client, EMAIL, PASSWORD)

    cases = [
        (NEW_PASSWORD, "plums under the bridgE", "The two new passwords are different"),
        ("short", None, "Password must be 12 characters or more"),
        (PASSWORD, None, "Enter a password that differs from your current one"),
        (EMAIL, None, "Password must not contain the email address"),
        (
            EMAIL.upper() + "1234",
            None,
            "Password must not contain the email address",
        ),
        (
            "my lead password",
            None,
            "Password must not contain ‘lead’ from the email address",
        ),
    ]
    for new, confirm, message in cases:
        page = check_page(change(client, PASSWORD, new, confirm))
        assert message in page.text(".govuk-error-summary"), new


def test_change_password_needs_sign_in(client):
    response = client.get("/account/password")

    assert response.headers["Location"].startswith("/sign-in")


def test_navigation_offers_password_change(client, make_user):
    make_user(EMAIL)
    sign_in(client, EMAIL, PASSWORD)

    page = check_page(client.get("/results"))

    hrefs = [link.get("href") for link in page.select(".govuk-service-navigation a")]
    assert "/account/password" in hrefs
