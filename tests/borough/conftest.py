"""Fixtures for the borough tests: a real dbt build of the three-school case."""

import shutil
from pathlib import Path

import pytest

from .warehouse import build_warehouse


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
