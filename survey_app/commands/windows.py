"""CLI commands for schools, survey windows, their links and access codes."""

from urllib.parse import urlsplit

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..db import get_db
from ..models import ACCESS_MODES, PHASES, SurveyLink, SurveyWindow
from ..windows import (
    create_school,
    create_window,
    find_link,
    issue_access_codes,
    open_windows,
    set_access,
)

DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.command("create-school")
@click.option("--name", required=True, help="School name, as respondents know it.")
@click.option(
    "--phase",
    required=True,
    type=click.Choice(PHASES),
    help="Decides which pupil questionnaires the school's windows get.",
)
@click.option("--urn", help="DfE unique reference number (6 digits), if known.")
@with_appcontext
def create_school_command(name: str, phase: str, urn: str | None) -> None:
    """Create a school."""
    db = get_db()
    try:
        school = create_school(db, name, phase, urn=urn)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.commit()
    click.echo(f"Created school {school.school_id}: {school.name} ({school.phase})")
    click.echo(
        "Open its survey with: flask --app survey_app open-window "
        f"--school-id {school.school_id} --year YYYY/YY"
    )


@click.command("open-window")
@click.option("--school-id", required=True, type=int, help="Id from create-school.")
@click.option("--year", required=True, help="Academic year, like 2026/27.")
@click.option("--opens", type=DATE, help="First day, YYYY-MM-DD (default 1 Sep).")
@click.option("--closes", type=DATE, help="Last day, YYYY-MM-DD (default 31 Aug).")
@click.option(
    "--bank-version", help="Question bank version (default the newest stored)."
)
@click.option(
    "--base-url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Where the app is served, to print full links.",
)
@with_appcontext
def open_window_command(
    school_id: int, year: str, opens, closes, bank_version: str | None, base_url: str
) -> None:
    """Create a school's survey window for one academic year, with its links."""
    db = get_db()
    try:
        window = create_window(
            db,
            school_id,
            year,
            opens_on=opens.date() if opens else None,
            closes_on=closes.date() if closes else None,
            bank_version=bank_version,
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.commit()
    click.echo(
        f"Created window {window.window_id} for {window.school.name}, "
        f"{window.academic_year}: {window.opens_on} to {window.closes_on}, "
        f"question bank {window.bank_version}"
    )
    _echo_links(window, _checked_base_url(base_url))


@click.command("show-links")
@click.option(
    "--base-url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Where the app is served, like https://survey.example.org.",
)
@with_appcontext
def show_links_command(base_url: str) -> None:
    """Print the questionnaire links of every window open today."""
    base_url = _checked_base_url(base_url)
    windows = open_windows(get_db())
    if not windows:
        click.echo(
            "No survey window is open today. Open one with: flask --app survey_app "
            "open-window --school-id N --year YYYY/YY"
        )
        return
    for window in windows:
        click.echo(
            f"{window.school.name} (school {window.school_id}), "
            f"{window.academic_year}, open {window.opens_on} to {window.closes_on}"
        )
        _echo_links(window, base_url)


@click.command("issue-codes")
@click.option("--link", "token", required=True, help="The link's token, from /s/.")
@click.option("--label", required=True, help="Class or group printed on the slips.")
@click.option("--count", required=True, type=int, help="How many codes, 1 to 300.")
@with_appcontext
def issue_codes_command(token: str, label: str, count: int) -> None:
    """Issue single-use access codes for a link and print them, once."""
    db = get_db()
    link = _link_or_fail(token)
    try:
        codes = issue_access_codes(db, link, label, count)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.commit()
    click.echo(
        f"{len(codes)} codes for {label}, link {link.token} "
        f"({link.stakeholder_group}). They are not stored: keep this list."
    )
    if link.access_mode != "codes":
        click.echo(
            f"Note: link {link.token} is open to anyone; codes are asked for only "
            f"after: flask --app survey_app set-access --link {link.token} "
            "--mode codes"
        )
    for code in codes:
        click.echo(code)


@click.command("set-access")
@click.option("--link", "token", required=True, help="The link's token, from /s/.")
@click.option("--mode", required=True, type=click.Choice(ACCESS_MODES))
@click.option(
    "--kiosk/--no-kiosk",
    default=False,
    help="Return a shared device to a fresh start page after each submission.",
)
@click.option("--number-on-roll", type=int, help="How many people are in the group.")
@with_appcontext
def set_access_command(
    token: str, mode: str, kiosk: bool, number_on_roll: int | None
) -> None:
    """Set a link's access mode, kiosk mode and number on roll."""
    db = get_db()
    link = _link_or_fail(token)
    try:
        set_access(link, mode, kiosk, number_on_roll)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.commit()
    click.echo(
        f"Link {link.token}: access {link.access_mode}, "
        f"kiosk {'on' if link.kiosk else 'off'}, "
        f"number on roll {link.number_on_roll or 'not given'}"
    )


def _link_or_fail(token: str) -> SurveyLink:
    link = find_link(get_db(), token)
    if link is None:
        raise click.ClickException(
            f"link {token!r} not found: list links with flask --app survey_app "
            "show-links"
        )
    return link


def _checked_base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter(
            f"{base_url!r} is not a web address: give one like https://example.org",
            param_hint="--base-url",
        )
    return base_url.rstrip("/")


def _echo_links(window: SurveyWindow, base_url: str) -> None:
    links = get_db().scalars(
        select(SurveyLink)
        .where(SurveyLink.window_id == window.window_id)
        .order_by(SurveyLink.link_id)
    )
    for link in links:
        settings = [link.access_mode]
        if link.kiosk:
            settings.append("kiosk")
        click.echo(
            f"  {link.stakeholder_group:<16} {base_url}/s/{link.token}  "
            f"({', '.join(settings)})"
        )


commands = [
    create_school_command,
    open_window_command,
    show_links_command,
    issue_codes_command,
    set_access_command,
]
