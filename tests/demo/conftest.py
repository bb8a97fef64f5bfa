"""Fixtures for the demo borough tests: a store with the demo loaded once."""

from datetime import date

import pytest

from survey_app import create_app
from survey_app.db import get_db
from survey_app.demo import DEFAULT_SEED, load_demo
from survey_app.migrate import upgrade_database
from survey_app.reference import sync_reference_data

# A fixed day in the academic year 2026/27, so the tests do not depend on the
# calendar.
TODAY = date(2026, 12, 4)


def create_migrated_app(var_dir):
    """Return an app whose store under var_dir is migrated and has the banks."""
    app = create_app(
        {
            "VAR_DIR": var_dir,
            "SQLALCHEMY_DATABASE_URL": f"sqlite:///{var_dir / 'imhars.sqlite'}",
            "WAREHOUSE_DIR": var_dir / "warehouse",
        }
    )
    upgrade_database(app.extensions["db_engine"])
    with app.app_context():
        sync_reference_data(get_db(), app.config["REFERENCE_DIR"])
    return app


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """An app whose store contains the demo borough of DEFAULT_SEED on TODAY.

    Shared by a module's tests, which must only read it.
    """
    app = create_migrated_app(tmp_path_factory.mktemp("demo") / "var")
    with app.app_context():
        load_demo(get_db(), seed=DEFAULT_SEED, today=TODAY)
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def demo_db(demo_app):
    """A session on the shared demo store."""
    with demo_app.app_context():
        yield get_db()
