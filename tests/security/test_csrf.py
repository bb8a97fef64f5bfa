"""Every POST route rejects a request without a valid CSRF token.

With WTF_CSRF_ENABLED on (the default of every configuration), each POST
of routes.ROUTES is sent by a role allowed to make it, with its valid form
but no token, a malformed token, and a token signed for another session.
None may change the store or the session. The same form with a valid token
then goes through, so the checks can fail.
"""

import sqlite3

import pytest
from itsdangerous import URLSafeTimedSerializer

from survey_app.demo import DEMO_PASSWORD

from .demo_world import WorldCopy
from .forms import post_forms
from .requests import access_outcome, build_url, watch_store
from .respondent import Respondent
from .routes import ALLOWED, ROLES, ROUTES, SIGN_IN

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

POSTS = [case for case in ROUTES if case.method != "GET"]
# Session keys that a rejected request may change: flashed messages only.
TRANSIENT_SESSION_KEYS = {"_flashes"}


def bad_tokens(world: WorldCopy) -> dict[str, str | None]:
    other_session = URLSafeTimedSerializer(world.app.secret_key, salt="wtf-csrf-token")
    return {
        "missing": None,
        "empty": "",
        "malformed": "not-a-token",
        "other session": other_session.dumps("f" * 40),
        "other key": URLSafeTimedSerializer("another key", salt="wtf-csrf-token").dumps(
            world.csrf_token()
        ),
    }


def allowed_role(case) -> str:
    for role in ("a", "borough", "admin", "anonymous"):
        if case.access.of(role) in (ALLOWED, SIGN_IN):
            return role
    raise AssertionError(f"no role may send {case.id}")


def session_of(client) -> dict:
    with client.session_transaction() as session:
        return {
            key: value
            for key, value in session.items()
            if key not in TRANSIENT_SESSION_KEYS
        }


def test_app_checks_csrf(world):
    assert world.app.config.get("WTF_CSRF_ENABLED", True) is True


@pytest.mark.parametrize("case", POSTS, ids=lambda case: case.id)
def test_post_without_valid_token_changes_nothing(world: WorldCopy, case):
    role = allowed_role(case)
    url = build_url(world, case, case.values(world, world.info.school_a))
    form = case.form(world, world.info.school_a)

    for label, token in bad_tokens(world).items():
        client = world.client(role)
        before = session_of(client)
        data = dict(form) if token is None else {**form, "csrf_token": token}
        with watch_store(world.store_path) as store_changed:
            response = client.post(url, data=data)
            changed = store_changed()
        if changed:
            world.reset()

        assert response.status_code < 500, (label, response.status_code)
        assert not changed, f"POST {url} with a {label} token changed the store"
        assert session_of(client) == before, f"{label} token changed the session"

    if case.changes_store:
        client = world.client(role)
        with watch_store(world.store_path) as store_changed:
            response = client.post(url, data={**form, "csrf_token": world.csrf_token()})
            changed = store_changed()
        world.reset()
        assert access_outcome(response) == ALLOWED
        assert changed, f"POST {url} with a valid token changed nothing"


def test_sign_in_without_token_signs_nobody_in(world: WorldCopy):
    client = world.client("anonymous")
    data = {"email": "lead@elm-park.demo", "password": DEMO_PASSWORD}

    rejected = client.post("/sign-in", data=data)
    assert "user_id" not in session_of(client)

    accepted = client.post("/sign-in", data={**data, "csrf_token": world.csrf_token()})
    assert rejected.status_code == 302
    assert accepted.status_code == 302
    assert session_of(client)["user_id"] == world.info.user_ids["a"]


def test_sign_out_without_token_keeps_session(world: WorldCopy):
    client = world.client("a")

    client.post("/sign-out", data={})

    assert session_of(client)["user_id"] == world.info.user_ids["a"]


def _response_count(world: WorldCopy) -> int:
    connection = sqlite3.connect(world.store_path)
    try:
        return connection.execute("select count(*) from responses").fetchone()[0]
    finally:
        connection.close()


def test_questionnaire_answers_need_token(world: WorldCopy):
    """Answers posted with a bad token are not saved, and are not sent."""
    client = world.app.test_client()
    respondent = Respondent(client, world.info.school_a.parent_token)
    assert respondent.start().status_code == 303
    first_page = respondent.form_of("/page/1")
    saved = session_of(client)

    data = first_page.data()
    data["csrf_token"] = ["not-a-token"]
    for item in first_page.fields:
        if item.kind == "radio":
            data[item.name] = ["1"]
    response = client.post(respondent.base + "/page/1", data=data)

    assert response.status_code == 200
    assert session_of(client) == saved

    respondent.answer_all("1")
    count = _response_count(world)
    check = respondent.check_form().data()
    rejected = respondent.send({**check, "csrf_token": ["forged"]})
    assert _response_count(world) == count
    assert rejected.status_code == 200

    accepted = respondent.send()
    stored = _response_count(world)
    world.reset()
    assert accepted.status_code == 303
    assert stored == count + 1


def test_every_post_form_carries_token(world: WorldCopy):
    """Every POST form on every page a role may open has a CSRF token field."""
    checked = 0
    for case in ROUTES:
        if case.method != "GET":
            continue
        for role in ROLES:
            if case.access.of(role) != ALLOWED:
                continue
            client = world.client(role)
            url = build_url(world, case, case.values(world, world.info.school_a))
            response = client.get(url, buffered=True)
            response.close()
            if response.mimetype != "text/html":
                continue
            for form in post_forms(response.get_data(as_text=True)):
                names = [item.name for item in form.fields]
                assert names.count("csrf_token") == 1, (url, role, form.action)
                checked += 1
    assert checked > 0
