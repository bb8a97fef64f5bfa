"""Outside development the app does not start without a secret key, and prints why."""

import os
import subprocess
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
FLASK = REPOSITORY / ".venv" / "bin" / "flask"
MISSING_KEY = "Error: IMHARS_SECRET_KEY is not set: set it to a long random string"


def flask_routes(tmp_path, **environment) -> subprocess.CompletedProcess:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("IMHARS_")
    }
    env.update(IMHARS_VAR_DIR=str(tmp_path / "var"), **environment)
    return subprocess.run(  # noqa: S603 - fixed argv
        [str(FLASK), "--app", "survey_app", "routes"],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("secret_key", [None, ""], ids=["unset", "empty"])
def test_production_needs_secret_key(tmp_path, secret_key):
    environment = {"IMHARS_ENV": "production"}
    if secret_key is not None:
        environment["IMHARS_SECRET_KEY"] = secret_key

    result = flask_routes(tmp_path, **environment)

    assert result.returncode == 1
    assert result.stderr.startswith(MISSING_KEY), result.stderr[-2000:]
    assert "secrets.token_hex(32)" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_default_environment_is_production(tmp_path):
    result = flask_routes(tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith(MISSING_KEY)


def test_production_starts_with_secret_key(tmp_path):
    result = flask_routes(tmp_path, IMHARS_ENV="production", IMHARS_SECRET_KEY="k" * 64)

    assert result.returncode == 0, result.stderr[-2000:]
    assert "survey.start" in result.stdout


def test_development_starts_without_secret_key(tmp_path):
    result = flask_routes(tmp_path, IMHARS_ENV="development")

    assert result.returncode == 0, result.stderr[-2000:]
