"""Create and migrate the operational store's schema with Alembic."""

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine, connection=None) -> AlembicConfig:
    """Return an Alembic configuration for this package's migrations."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(False))
    config.attributes["connection"] = connection
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to revision (default: the newest)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(engine, connection), revision)


def make_revision(engine: Engine, message: str) -> None:
    """Write a new migration that brings the schema in line with the models."""
    with engine.begin() as connection:
        command.revision(
            alembic_config(engine, connection), message=message, autogenerate=True
        )
