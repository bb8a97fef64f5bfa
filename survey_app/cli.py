"""Flask CLI commands: flask --app survey_app <command>."""

import click
from flask import Flask, current_app

from .db import get_db
from .migrate import make_revision, upgrade_database
from .reference import ReferenceDataError, sync_reference_data


def init_app(app: Flask) -> None:
    """Register the commands on the app."""
    app.cli.add_command(db_upgrade_command)
    app.cli.add_command(db_revision_command)
    for module in _command_modules():
        for command in module.commands:
            app.cli.add_command(command)


def _command_modules():
    from .commands import demo, imports, operations, users, windows

    return (demo, users, windows, imports, operations)


@click.command("db-upgrade")
def db_upgrade_command() -> None:
    """Create or migrate the database, then store new reference data versions."""
    engine = current_app.extensions["db_engine"]
    upgrade_database(engine)
    try:
        added = sync_reference_data(get_db(), current_app.config["REFERENCE_DIR"])
    except ReferenceDataError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Database is up to date at {engine.url.render_as_string(True)}")
    for item in added:
        click.echo(f"Stored {item}")


@click.command("db-revision")
@click.argument("message")
def db_revision_command(message: str) -> None:
    """Write a migration for model changes (for developers)."""
    make_revision(current_app.extensions["db_engine"], message)
