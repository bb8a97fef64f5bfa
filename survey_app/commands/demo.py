"""The demo borough from the command line: demo-load and demo-info."""

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_db
from ..demo import (
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DemoLoadError,
    LoadSummary,
    delete_demo,
    demo_accounts,
    is_demo_loaded,
    load_demo,
)

CODES_FILE_NAME = "demo-access-codes.txt"


@click.command("demo-load")
@click.option(
    "--seed",
    type=int,
    default=DEFAULT_SEED,
    show_default=True,
    help="Seed of the answer generator: the same seed loads the same answers.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Delete the demo schools, their data and demo sign-ins, then load "
    "them again. Other schools are not touched.",
)
@with_appcontext
def demo_load_command(seed: int, replace: bool) -> None:
    """Load the demo borough: invented schools, four years of answers, sign-ins.

    Does nothing if the demo borough is loaded already, unless --replace.
    """
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(
            "demo-load does not run with IMHARS_ENV=production, because the demo "
            "sign-ins share a published password: load the demo into a separate "
            "copy with IMHARS_ENV=development"
        )
    session = get_db()
    if is_demo_loaded(session):
        if not replace:
            click.echo(
                "The demo borough is loaded already: nothing changed. "
                "Use --replace to delete it and load it again."
            )
            _echo_sign_ins()
            return
        deleted = delete_demo(session)
        click.echo(f"Deleted {deleted} demo schools and their data")

    started = time.perf_counter()
    try:
        summary = load_demo(session, seed=seed)
    except DemoLoadError as error:
        session.rollback()
        raise click.ClickException(str(error)) from error
    elapsed = time.perf_counter() - started

    codes_path = _write_codes_sheet(summary)
    click.echo(
        f"Loaded the demo borough (seed {seed}) in {elapsed:.1f} s: "
        f"{summary.schools} schools, {summary.windows} survey windows, "
        f"{summary.responses:,} responses with {summary.answers:,} answers"
    )
    _echo_sign_ins()
    click.echo(
        f"Kiosk mode: the pupils' link {summary.kiosk_link_token} of "
        f"{summary.kiosk_school} starts afresh after each submission"
    )
    click.echo(
        f"Codes mode: the pupils' link {summary.codes_link_token} of "
        f"{summary.codes_school} asks for a code; {len(summary.codes)} codes "
        f"are in {codes_path}"
    )
    click.echo("The results pages show these answers after: imhars-pipeline run")


@click.command("demo-info")
@with_appcontext
def demo_info_command() -> None:
    """Print the demo sign-ins and the demo access codes, if the demo is loaded."""
    if not is_demo_loaded(get_db()):
        click.echo(
            "The demo borough is not loaded: run flask --app survey_app demo-load"
        )
        return
    _echo_sign_ins()
    codes_path = _codes_path()
    if codes_path.is_file():
        click.echo(codes_path.read_text(encoding="utf-8").rstrip())


# The schools and pages a demo sign-in without a school can open, by role.
ROLE_SCOPES = {
    "borough": "every school (borough officer)",
    "admin": "every school and the administration pages",
}


def _echo_sign_ins() -> None:
    click.echo(f"Demo sign-ins, all with the password {DEMO_PASSWORD}:")
    accounts = demo_accounts()
    width = max(len(account.email) for account in accounts)
    for account in accounts:
        sees = account.school_name or ROLE_SCOPES[account.role]
        click.echo(f"  {account.email:<{width}}  {sees}")


def _codes_path() -> Path:
    return Path(current_app.config["VAR_DIR"]) / CODES_FILE_NAME


def _write_codes_sheet(summary: LoadSummary) -> Path:
    """Write the demo access codes to a file, because the store keeps only hashes."""
    path = _codes_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        "   ".join(summary.codes[start : start + 5])
        for start in range(0, len(summary.codes), 5)
    ]
    lines = [
        f"Demo access codes: {summary.codes_batch_label}, {summary.codes_school}, "
        f"pupils' link {summary.codes_link_token}",
        "Each code lets one pupil answer once.",
        *(f"  {row}" for row in rows),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


commands = [demo_load_command, demo_info_command]
