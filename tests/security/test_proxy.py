"""The app behind a reverse proxy, served by gunicorn with production settings.

How the app learns that a request came over HTTPS: gunicorn sets the WSGI
scheme from X-Forwarded-Proto only when the connection comes from an
address in IMHARS_FORWARDED_ALLOW_IPS (default 127.0.0.1, a proxy on the
same host). The app itself trusts no forwarded header. So:

- the session cookie is Secure in production whatever the scheme;
- Strict-Transport-Security is sent only for requests the trusted proxy
  marks as HTTPS;
- X-Forwarded-For never replaces the client address, so a client cannot
  dodge the per-client sign-in limit by sending a new address each time.
  Behind a proxy every client has the proxy's address, and the per-email
  limit is what stops guessing (survey_app/limiter.py).
"""

import pytest

from survey_app import create_app
from survey_app.commands.users import create_user
from survey_app.db import get_db
from survey_app.migrate import upgrade_database

from .forms import post_forms
from .gunicorn_server import GunicornServer

pytestmark = pytest.mark.slow

SECRET_KEY = "p" * 64
PASSWORD = "a long enough password"  # noqa: S105 - test account only


@pytest.fixture
def production_store(tmp_path, monkeypatch):
    """A migrated production store under tmp_path with one borough user."""
    monkeypatch.setenv("IMHARS_ENV", "production")
    var_dir = tmp_path / "var"
    app = create_app(
        {
            "SECRET_KEY": SECRET_KEY,
            "VAR_DIR": var_dir,
            "SQLALCHEMY_DATABASE_URL": f"sqlite:///{var_dir / 'imhars.sqlite'}",
            "WAREHOUSE_DIR": var_dir / "warehouse",
        }
    )
    upgrade_database(app.extensions["db_engine"])
    with app.app_context():
        db = get_db()
        create_user(
            db,
            email="officer@borough.example",
            display_name="Olu Officer",
            role="borough",
            school_id=None,
            password=PASSWORD,
        )
        db.commit()
    app.extensions["db_engine"].dispose()
    return var_dir


def serve(var_dir, tmp_path, **environment) -> GunicornServer:
    return GunicornServer(
        var_dir,
        tmp_path / "gunicorn.log",
        IMHARS_ENV="production",
        IMHARS_SECRET_KEY=SECRET_KEY,
        **environment,
    )


def session_cookie(reply) -> str:
    (cookie,) = [item for item in reply.cookies() if item.startswith("session=")]
    return cookie


def test_trusted_proxy_marks_https(production_store, tmp_path):
    with serve(production_store, tmp_path) as server:
        forwarded = server.client().get(
            "/sign-in", headers={"X-Forwarded-Proto": "https"}
        )
        plain = server.client().get("/sign-in")

    assert forwarded.status == 200
    assert forwarded.header("Strict-Transport-Security") == "max-age=31536000"
    assert plain.header("Strict-Transport-Security") is None
    for reply in (forwarded, plain):
        attributes = [part.strip().lower() for part in session_cookie(reply).split(";")]
        assert "secure" in attributes
        assert "httponly" in attributes
        assert "samesite=lax" in attributes


def test_untrusted_proxy_header_ignored(production_store, tmp_path):
    with serve(
        production_store, tmp_path, IMHARS_FORWARDED_ALLOW_IPS="192.0.2.1"
    ) as server:
        reply = server.client().get("/sign-in", headers={"X-Forwarded-Proto": "https"})

    assert reply.status == 200
    assert reply.header("Strict-Transport-Security") is None
    assert "secure" in session_cookie(reply).lower()


def test_forwarded_for_does_not_reset_limit(production_store, tmp_path):
    """Ten wrong passwords from one connection, each claiming another address
    and email, use up the per-client limit: the eleventh gets 429."""
    statuses = []
    with serve(production_store, tmp_path) as server:
        for number in range(11):
            client = server.client()
            page = client.get("/sign-in")
            form = post_forms(page.body)[0].data()
            form.update(email=[f"guess{number}@example.org"], password=["wrong"])
            reply = client.post(
                "/sign-in",
                form,
                headers={
                    "X-Forwarded-For": f"198.51.100.{number + 1}",
                    "X-Real-IP": f"198.51.100.{number + 1}",
                },
            )
            statuses.append(reply.status)

    assert statuses == [200] * 10 + [429]


def test_sign_in_limit_shared_by_workers(production_store, tmp_path):
    """Three workers count sign-in attempts together: the per-email limit
    stops the eleventh guess, whichever worker takes it."""
    statuses = []
    with serve(production_store, tmp_path, WEB_CONCURRENCY="3") as server:
        for _ in range(11):
            client = server.client()
            page = client.get("/sign-in")
            form = post_forms(page.body)[0].data()
            form.update(email=["officer@borough.example"], password=["wrong"])
            statuses.append(client.post("/sign-in", form).status)
        workers = {
            line for line in server.log().splitlines() if "Booting worker" in line
        }

    assert len(workers) == 3
    assert statuses == [200] * 10 + [429]
    counters = (production_store / "ratelimits.sqlite").read_bytes()
    assert b"officer@borough.example" not in counters
    assert b"127.0.0.1" not in counters
