"""Alembic environment: migrates the operational store of the configured app."""

from pathlib import Path

from alembic import context

from survey_app.db import CODES_SCHEMA, codes_path_for
from survey_app.models import Base

config = context.config
connection = config.attributes.get("connection")


def attach_codes_file() -> None:
    """Attach the access codes file as schema codes, unless it is attached.

    Connections from survey_app.db.create_database_engine attach it already;
    this covers a connection from any other engine.
    """
    if connection.dialect.name != "sqlite":
        return
    databases = {
        row[1]: row[2]
        for row in connection.exec_driver_sql("pragma database_list").fetchall()
    }
    if CODES_SCHEMA in databases:
        return
    codes_path = codes_path_for(Path(databases["main"]))
    connection.exec_driver_sql(
        f"attach database ? as {CODES_SCHEMA}", (str(codes_path),)
    )
    connection.exec_driver_sql(f"pragma {CODES_SCHEMA}.journal_mode = delete")
    connection.exec_driver_sql(f"pragma {CODES_SCHEMA}.secure_delete = on")


def run_migrations() -> None:
    if connection is None:
        raise RuntimeError(
            "migrations run through 'flask --app survey_app db-upgrade', "
            "which passes the app's database connection"
        )
    attach_codes_file()
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
