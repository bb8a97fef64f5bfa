"""Alembic environment: migrates the operational store of the configured app."""

from alembic import context

from survey_app.models import Base

config = context.config
connection = config.attributes.get("connection")


def run_migrations() -> None:
    if connection is None:
        raise RuntimeError(
            "migrations run through 'flask --app survey_app db-upgrade', "
            "which passes the app's database connection"
        )
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
