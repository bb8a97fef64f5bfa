"""Configuration, read from environment variables and chosen by IMHARS_ENV."""

import os
from pathlib import Path

import click

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(click.ClickException, RuntimeError):
    """A required setting is missing or invalid.

    A ClickException, so that `flask` and the other commands print the
    message as "Error: ..." and exit with status 1 instead of a traceback.
    """


def _var_dir() -> Path:
    return Path(os.environ.get("IMHARS_VAR_DIR", PROJECT_ROOT / "var"))


class Config:
    """Production settings: every secret must come from the environment."""

    ENV_NAME = "production"
    TESTING = False
    VAR_DIR = _var_dir()
    SQLALCHEMY_DATABASE_URL = os.environ.get(
        "IMHARS_DATABASE_URL", f"sqlite:///{VAR_DIR / 'imhars.sqlite'}"
    )
    WAREHOUSE_DIR = Path(os.environ.get("IMHARS_WAREHOUSE_DIR", VAR_DIR / "warehouse"))
    REFERENCE_DIR = Path(
        os.environ.get("IMHARS_REFERENCE_DIR", PROJECT_ROOT / "reference")
    )
    SECRET_KEY = os.environ.get("IMHARS_SECRET_KEY")
    SERVICE_NAME = os.environ.get("IMHARS_SERVICE_NAME", "School mental health survey")
    # Respondent dates and academic years follow the school calendar.
    SCHOOL_TIMEZONE = "Europe/London"
    # A questionnaire finished faster than this many seconds per question is
    # flagged as implausibly fast; only the flag is stored.
    MIN_SECONDS_PER_QUESTION = float(
        os.environ.get("IMHARS_MIN_SECONDS_PER_QUESTION", "1.5")
    )
    WTF_CSRF_TIME_LIMIT = 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    MAX_CONTENT_LENGTH = 256 * 1024
    MAX_FORM_MEMORY_SIZE = 64 * 1024
    # The default counts in VAR_DIR/ratelimits.sqlite, shared by every worker
    # (survey_app/ratelimit_storage.py).
    RATELIMIT_STORAGE_URI = os.environ.get(
        "IMHARS_RATELIMIT_STORAGE_URI", "imhars-var://"
    )
    LOGIN_RATE_LIMIT = os.environ.get("IMHARS_LOGIN_RATE_LIMIT", "10 per minute")

    def check(self) -> None:
        """Raise ConfigurationError when a required setting is missing."""
        if not self.SECRET_KEY:
            raise ConfigurationError(
                "IMHARS_SECRET_KEY is not set: set it to a long random string, for "
                "example the output of: python -c 'import secrets; "
                "print(secrets.token_hex(32))'"
            )


class DevelopmentConfig(Config):
    """Local settings for make run: a fixed secret and plain HTTP on 127.0.0.1."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get(
        "IMHARS_SECRET_KEY",
        "development-only-not-secret",  # noqa: S105 - local development only
    )
    SESSION_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"


class TestConfig(DevelopmentConfig):
    """Settings for the test suite; tests pass paths of temporary files."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-only-not-secret"  # noqa: S105 - tests only
    RATELIMIT_ENABLED = True


CONFIGS = {
    "production": Config,
    "development": DevelopmentConfig,
    "test": TestConfig,
}


def load_config(overrides: dict | None = None) -> Config:
    """Build the configuration for IMHARS_ENV (default production) plus overrides."""
    env_name = os.environ.get("IMHARS_ENV", "production")
    try:
        config_class = CONFIGS[env_name]
    except KeyError:
        raise ConfigurationError(
            f"IMHARS_ENV is {env_name!r}: set it to one of {', '.join(sorted(CONFIGS))}"
        ) from None
    config = config_class()
    for key, value in (overrides or {}).items():
        setattr(config, key, value)
    config.check()
    return config
