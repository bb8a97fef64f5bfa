"""Fixtures for the borough tests: a real dbt build of the three-school case."""

import shutil
from pathlib import Path

import pytest
from auth.pages import PASSWORD, add_user, sign_in

from pipeline.settings import PipelineSettings
from survey_app.db import get_db
from survey_app.models import School

from .warehouse import HILLTOP, SCHOOLS, build_warehouse


@pytest.fixture(scope="session")
def borough_build(tmp_path_factory) -> Path:
    """The three-school, two-year warehouse, built once by dbt for every test."""
    work_dir = tmp_path_factory.mktemp("borough-dbt")
    path = work_dir / "published.duckdb"
    result = build_warehouse(path, work_dir)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return path


@pytest.fixture
def built_copy(borough_build, tmp_path) -> Path:
    """A copy of the built warehouse that a test may change."""
    path = tmp_path / "published.duckdb"
    shutil.copyfile(borough_build, path)
    return path


@pytest.fixture
def published_borough(app, borough_build) -> Path:
    """The built warehouse, published where the app reads it."""
    path = PipelineSettings.from_config(app.config).published_path
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(borough_build, path)
    return path


@pytest.fixture
def store_schools(app) -> dict[int, int]:
    """The three schools of the case in the operational store, by warehouse id."""
    with app.app_context():
        db = get_db()
        for school_id, (name, phase) in SCHOOLS.items():
            db.add(
                School(
                    school_id=school_id, name=name, phase=phase, urn=f"10000{school_id}"
                )
            )
        db.commit()
    return {school_id: school_id for school_id in SCHOOLS}


@pytest.fixture
def sign_in_as(app, store_schools):
    """Return a function that signs a new client in with a user of a role."""

    def sign_in_role(role: str):
        school_id = HILLTOP if role == "school" else None
        email = f"{role}@staff.example"
        add_user(app, email, role, school_id)
        client = app.test_client()
        response = sign_in(client, email, PASSWORD)
        assert response.status_code == 302
        return client

    return sign_in_role
