"""Staff passwords are Argon2id hashes, sign-in is rate-limited, and the
session cookie is HttpOnly, Secure in production and SameSite.
"""

import re
import sqlite3
from base64 import b64decode

import pytest
from argon2.low_level import Type
from argon2.profiles import RFC_9106_LOW_MEMORY

from survey_app import create_app
from survey_app.commands.users import create_user
from survey_app.db import get_db
from survey_app.migrate import upgrade_database

from .forms import post_forms

PASSWORD = "a long enough password"  # noqa: S105 - test account only
ARGON2_HASH = re.compile(
    r"^\$argon2id\$v=19\$m=(?P<memory>\d+),t=(?P<time>\d+),p=(?P<lanes>\d+)"
    r"\$(?P<salt>[A-Za-z0-9+/]+)\$(?P<hash>[A-Za-z0-9+/]+)$"
)


def _unpadded_length(text: str) -> int:
    return len(b64decode(text + "=" * (-len(text) % 4)))


def check_argon2id(password_hash: str) -> None:
    match = ARGON2_HASH.match(password_hash)
    assert match, f"not an Argon2id hash: {password_hash[:20]}"
    # RFC 9106's second recommended option: 64 MiB, 3 passes, 4 lanes.
    assert RFC_9106_LOW_MEMORY.type is Type.ID
    assert int(match["memory"]) >= RFC_9106_LOW_MEMORY.memory_cost == 65536
    assert int(match["time"]) >= RFC_9106_LOW_MEMORY.time_cost == 3
    assert int(match["lanes"]) >= 1
    assert _unpadded_length(match["salt"]) >= 16
    assert _unpadded_length(match["hash"]) >= 32


def add_staff(app, email="lead@school.example", role="borough") -> int:
    with app.app_context():
        db = get_db()
        user = create_user(
            db,
            email=email,
            display_name="Lee Lead",
            role=role,
            school_id=None,
            password=PASSWORD,
        )
        db.commit()
        return user.user_id


def sign_in(client, email, password, **kwargs):
    form = post_forms(client.get("/sign-in").get_data(as_text=True))[0]
    data = {**form.data(), "email": [email], "password": [password]}
    return client.post("/sign-in", data=data, **kwargs)


def stored_hashes(app) -> list[str]:
    path = app.config["SQLALCHEMY_DATABASE_URL"].removeprefix("sqlite:///")
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("select password_hash from users")]
    finally:
        connection.close()


def test_stored_password_is_argon2id(app):
    add_staff(app)

    (password_hash,) = stored_hashes(app)

    check_argon2id(password_hash)
    assert PASSWORD not in password_hash


def test_demo_world_passwords_are_argon2id(world):
    hashes = stored_hashes(world.app)

    assert len(hashes) >= 8
    for password_hash in hashes:
        check_argon2id(password_hash)


def test_sign_in_limit_per_email(app):
    add_staff(app)
    client = app.test_client()

    statuses = [
        sign_in(client, "lead@school.example", "wrong password").status_code
        for _ in range(10)
    ]
    blocked = sign_in(client, "lead@school.example", PASSWORD)

    assert statuses == [200] * 10
    assert blocked.status_code == 429
    with client.session_transaction() as session:
        assert "user_id" not in session


def test_sign_in_limit_per_client(app):
    add_staff(app)
    client = app.test_client()

    statuses = [
        sign_in(client, f"guess{number}@school.example", "wrong").status_code
        for number in range(10)
    ]
    blocked = sign_in(client, "lead@school.example", PASSWORD)

    assert statuses == [200] * 10
    assert blocked.status_code == 429


def test_limit_default_is_ten_per_minute(app):
    assert app.config["LOGIN_RATE_LIMIT"] == "10 per minute"


@pytest.fixture
def production_app(tmp_path, monkeypatch):
    """An app with production settings, a secret key and a migrated store."""
    monkeypatch.setenv("IMHARS_ENV", "production")
    var_dir = tmp_path / "var"
    app = create_app(
        {
            "SECRET_KEY": "k" * 64,
            "VAR_DIR": var_dir,
            "SQLALCHEMY_DATABASE_URL": f"sqlite:///{var_dir / 'imhars.sqlite'}",
            "WAREHOUSE_DIR": var_dir / "warehouse",
        }
    )
    upgrade_database(app.extensions["db_engine"])
    yield app
    app.extensions["db_engine"].dispose()


def session_cookie_attributes(response) -> dict[str, str]:
    cookies = [
        header
        for header in response.headers.getlist("Set-Cookie")
        if header.startswith("session=")
    ]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    attributes = {}
    for part in cookies[0].split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    return attributes


def test_production_session_cookie_flags(production_app):
    assert production_app.config["ENV_NAME"] == "production"
    add_staff(production_app)
    client = production_app.test_client()

    page = client.get("/sign-in", base_url="https://survey.example")
    signed_in = sign_in(
        client, "lead@school.example", PASSWORD, base_url="https://survey.example"
    )

    assert signed_in.status_code == 302
    for response in (page, signed_in):
        attributes = session_cookie_attributes(response)
        assert "httponly" in attributes
        assert "secure" in attributes
        assert attributes.get("samesite") == "Lax"
        assert attributes.get("path") == "/"


def test_production_cookie_secure_over_http(production_app):
    """Secure does not depend on the scheme the app sees: a proxy that drops
    X-Forwarded-Proto still gets a cookie that browsers send over HTTPS only."""
    response = production_app.test_client().get("/sign-in")

    assert "secure" in session_cookie_attributes(response)
