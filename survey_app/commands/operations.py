"""The operator's commands: backup, restore and delete-old-responses."""

import getpass
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from pipeline.settings import PipelineSettings

from ..db import get_db
from ..operations import (
    OperationError,
    back_up,
    delete_old_responses,
    plan_retention,
    restore,
    store_path_of,
)

FOLDER = click.Path(file_okay=False, path_type=Path)
WAIT_SECONDS = click.option(
    "--wait-seconds",
    type=click.FloatRange(min=0),
    default=600,
    show_default=True,
    help="Seconds to wait for a running pipeline to release var/pipeline.lock.",
)


@click.command("backup")
@click.argument("destination", type=FOLDER)
@WAIT_SECONDS
@with_appcontext
def backup_command(destination: Path, wait_seconds: float) -> None:
    """Copy the store and the warehouse files into the new folder DESTINATION.

    The app can keep collecting responses meanwhile. The folder gets
    imhars.sqlite, raw.duckdb and published.duckdb (those that exist) and
    manifest.json with the SHA-256 of each file.
    """
    try:
        summary = back_up(
            store_path_of(current_app.config),
            _pipeline_settings(),
            destination,
            wait_seconds,
        )
    except OperationError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up {summary.responses} responses to {destination}:")
    for name, facts in summary.files.items():
        click.echo(f"  {name}  {facts['bytes']} bytes  sha256 {facts['sha256']}")
    click.echo(f"Restore it with: flask --app survey_app restore {destination}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Replace a store and warehouse that already hold data. Stop the app first.",
)
@WAIT_SECONDS
@with_appcontext
def restore_command(source: Path, force: bool, wait_seconds: float) -> None:
    """Restore the store and the warehouse from the backup folder SOURCE.

    Every file's SHA-256 is checked against the backup's manifest before
    anything is replaced. Earlier published files in previous/ are deleted.
    """
    try:
        manifest = restore(
            source,
            store_path_of(current_app.config),
            _pipeline_settings(),
            force,
            wait_seconds,
        )
    except OperationError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Restored {manifest['responses']} responses from the backup of "
        f"{manifest['created_at']} in {source}."
    )
    click.echo(
        "Next: run 'flask --app survey_app db-upgrade' if this version of the "
        "app is newer than the backup, and 'flask --app survey_app "
        "delete-old-responses' if responses were deleted after the backup."
    )


@click.command("delete-old-responses")
@click.option(
    "--keep-years",
    type=click.IntRange(min=0),
    required=True,
    help="Academic years kept before the current one: 2 in 2026/27 keeps "
    "2024/25, 2025/26 and 2026/27.",
)
@click.option(
    "--confirm",
    is_flag=True,
    help="Delete the responses. Without it, only list what would be deleted.",
)
@with_appcontext
def delete_old_responses_command(keep_years: int, confirm: bool) -> None:
    """Delete responses, and their answers, of academic years before those kept.

    Schools, survey windows, links, access codes, import records, self-reviews,
    staff accounts, pipeline runs and the audit log are kept. Published
    results keep the deleted responses until the next pipeline run.
    """
    session = get_db()
    try:
        if not confirm:
            _echo_plan(plan_retention(session, keep_years))
            return
        plan, event_id = delete_old_responses(session, keep_years, _login_name())
    except OperationError as error:
        raise click.ClickException(str(error)) from error
    if event_id is None:
        _echo_plan(plan)
        return
    click.echo(
        f"Deleted {plan.responses} responses and {plan.answers} answers of "
        f"academic years before {plan.first_kept_year} (audit event {event_id})."
    )
    click.echo(
        "Next: run 'imhars-pipeline run' to remove them from the warehouse and "
        "the published results."
    )


def _echo_plan(plan) -> None:
    click.echo(
        f"The current academic year is {plan.current_year}; --keep-years "
        f"{plan.keep_years} keeps {plan.first_kept_year} and later."
    )
    if not plan.responses:
        click.echo(f"No responses are older than {plan.first_kept_year}.")
        return
    click.echo(f"Would delete {plan.responses} responses and {plan.answers} answers:")
    for academic_year, count in plan.responses_by_year.items():
        click.echo(f"  {academic_year}: {count} responses")
    click.echo("Nothing was deleted: run again with --confirm to delete them.")


def _pipeline_settings() -> PipelineSettings:
    return PipelineSettings.from_config(current_app.config)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown login"


commands = [backup_command, restore_command, delete_old_responses_command]
