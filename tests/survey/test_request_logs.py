"""Request logs keep no address, time, user agent or query string."""

import logging
import re
import runpy
import threading
import urllib.request
from pathlib import Path

from werkzeug.serving import make_server

import survey_app
from survey_app.gunicorn_config import AnonymousRequestLogFilter

CONFIG = Path(survey_app.__file__).parent / "gunicorn_config.py"


def test_gunicorn_access_log_leaves_out_identifying_atoms():
    settings = runpy.run_path(str(CONFIG))

    log_format = settings["access_log_format"]

    atoms = set(re.findall(r"%\((\w)\)s", log_format))
    assert atoms == {"m", "U", "H", "s", "B", "M"}
    for identifying in ("h", "r", "a", "f", "q", "t", "u"):
        assert identifying not in atoms
    assert settings["wsgi_app"] == "survey_app:create_app()"


def test_werkzeug_filter_strips_address_time_and_query():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '203.0.113.9 - - [04/Dec/2026 10:31:02] "%s" %s %s',
        ("POST /s/abcd2346/check?code=ACE-347-XYF HTTP/1.1", "303", "-"),
        None,
    )

    AnonymousRequestLogFilter().filter(record)

    assert record.getMessage() == '"POST /s/abcd2346/check HTTP/1.1" 303 -'


def test_dev_server_log_has_no_address_or_query(app, survey, caplog):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/s/{survey.tokens['parent']}"
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            with urllib.request.urlopen(f"{url}?secret=1") as response:  # noqa: S310
                assert response.status == 200
    finally:
        server.shutdown()
        thread.join(timeout=10)

    lines = [
        record.getMessage() for record in caplog.records if record.name == "werkzeug"
    ]
    request_lines = [line for line in lines if "/s/" in line]
    assert request_lines
    for line in request_lines:
        assert "127.0.0.1" not in line
        assert "secret" not in line
        assert "?" not in line
        assert not re.search(r"\d{2}:\d{2}:\d{2}", line)
