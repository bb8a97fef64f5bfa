"""A real submission through gunicorn leaves no address, browser, query string
or time of day in the server's output.

gunicorn runs with survey_app/gunicorn_config.py and production settings.
Its access log, its error log and the app's own log all go to one file. A
respondent with a distinctive user agent, a query string on every request
and forwarded-address headers answers a questionnaire and sends it, then
sends a malformed form and asks for a missing page, which the app logs.
Every line written from the first request to the server's stop is checked.
"""

import re
import sqlite3

import pytest
from security.gunicorn_server import GunicornServer
from security.respondent import Respondent

from survey_app import create_app
from survey_app.calendar import academic_year_for, london_today
from survey_app.db import get_db
from survey_app.migrate import upgrade_database
from survey_app.reference import sync_reference_data
from survey_app.windows import create_school, create_window

pytestmark = pytest.mark.slow

SECRET_KEY = "s" * 64
USER_AGENT = "PrivacyProbe/7.3 (respondent-agent-5813)"
QUERY_MARKER = "letter-marker-q77"
FORWARDED_ADDRESS = "203.0.113.77"
TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?\b")


@pytest.fixture
def production_survey(tmp_path, monkeypatch):
    """A production store with one school whose window is open; returns
    (var_dir, parent link token)."""
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
        sync_reference_data(db, app.config["REFERENCE_DIR"])
        school = create_school(db, "Log Lane Primary", "primary")
        window = create_window(db, school.school_id, academic_year_for(london_today()))
        token = next(
            link.token for link in window.links if link.stakeholder_group == "parent"
        )
        db.commit()
    app.extensions["db_engine"].dispose()
    return var_dir, token


def response_count(var_dir) -> int:
    connection = sqlite3.connect(var_dir / "imhars.sqlite")
    try:
        return connection.execute("select count(*) from responses").fetchone()[0]
    finally:
        connection.close()


def test_submission_leaves_no_trace_in_logs(production_survey, tmp_path):
    var_dir, token = production_survey
    log_path = tmp_path / "server.log"
    server = GunicornServer(
        var_dir,
        log_path,
        IMHARS_ENV="production",
        IMHARS_SECRET_KEY=SECRET_KEY,
    )
    with server:
        start_offset = len(server.log())
        client = server.client(
            USER_AGENT,
            query=f"from={QUERY_MARKER}",
            headers={
                "X-Forwarded-For": FORWARDED_ADDRESS,
                "X-Real-IP": FORWARDED_ADDRESS,
                "X-Forwarded-Proto": "https",
            },
        )
        respondent = Respondent(client, token)
        sent = respondent.submit()
        malformed = client.post(f"/s/{token}", {"csrf_token": "", "unknown": "x"})
        missing = client.get("/s/no-such-link")
    lines = server.log()[start_offset:].splitlines()

    assert sent.status == 303
    assert malformed.status == 400
    assert missing.status == 404
    assert response_count(var_dir) == 1
    request_lines = [line for line in lines if "/s/" in line]
    assert len(request_lines) >= 10, lines
    for line in lines:
        assert "127.0.0.1" not in line, line
        assert FORWARDED_ADDRESS not in line, line
        assert "PrivacyProbe" not in line, line
        assert "respondent-agent" not in line, line
        assert QUERY_MARKER not in line, line
        assert "?" not in line, line
    for line in request_lines:
        assert not TIME_OF_DAY.search(line), line


def test_app_log_lines_have_no_time(production_survey, tmp_path):
    """The app's warning about a rejected questionnaire request carries no time.

    A time on that line would date someone's visit to the questionnaire.
    """
    var_dir, token = production_survey
    server = GunicornServer(
        var_dir,
        tmp_path / "server.log",
        IMHARS_ENV="production",
        IMHARS_SECRET_KEY=SECRET_KEY,
    )
    with server:
        start_offset = len(server.log())
        reply = server.client().post(f"/s/{token}", {"csrf_token": "", "other": "1"})
    lines = server.log()[start_offset:].splitlines()

    warnings = [line for line in lines if "questionnaire request rejected" in line]
    assert reply.status == 400
    assert len(warnings) == 1, lines
    assert not TIME_OF_DAY.search(warnings[0]), warnings[0]
