"""Shared fixtures: an app on temporary files, its client, and a live server."""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from survey_app import create_app
from survey_app.db import get_db
from survey_app.migrate import upgrade_database
from survey_app.reference import sync_reference_data

# Test settings unless the caller chose otherwise; production settings need a
# secret key from the environment.
os.environ.setdefault("IMHARS_ENV", "test")

CHROMIUM = Path("/usr/bin/chromium")


def app_settings(var_dir: Path) -> dict:
    """Return settings that keep every file of an app under var_dir."""
    return {
        "VAR_DIR": var_dir,
        "SQLALCHEMY_DATABASE_URL": f"sqlite:///{var_dir / 'imhars.sqlite'}",
        "WAREHOUSE_DIR": var_dir / "warehouse",
    }


@pytest.fixture
def app(tmp_path):
    """An app with a fresh, migrated SQLite store under tmp_path."""
    app = create_app(app_settings(tmp_path / "var"))
    upgrade_database(app.extensions["db_engine"])
    with app.app_context():
        sync_reference_data(get_db(), app.config["REFERENCE_DIR"])
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class LiveServer:
    """The app served by werkzeug on 127.0.0.1 in a background thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app):
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's chromium: Playwright cannot download its own here."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'make browser' to install chromium")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
