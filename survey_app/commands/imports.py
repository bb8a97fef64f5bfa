"""Past years' responses from other survey tools: import-responses."""

import getpass
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..db import get_db
from ..imports import (
    STATUS_ALREADY_IMPORTED,
    STATUS_DRY_RUN,
    ImportRejected,
    ImportResult,
    import_responses,
)
from ..imports.problems import format_problems
from ..models import User

FILE_PATH = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("import-responses")
@click.argument("file", type=FILE_PATH)
@click.option(
    "--mapping",
    "mapping_path",
    required=True,
    type=FILE_PATH,
    help="YAML file that maps the file's columns and answer labels to the "
    "question bank, and names the school, year and group (docs/importing.md).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check the file and print the summary, storing nothing.",
)
@click.option(
    "--allow-mixed",
    is_flag=True,
    help="Import into a window whose group also answered the survey here. "
    "Anyone who answered both would be counted twice, so use it only when the "
    "file holds other people's responses.",
)
@click.option(
    "--allow-overlap",
    is_flag=True,
    help="Import a file that repeats every response of an earlier import, "
    "when those really are different people's identical responses.",
)
@click.option(
    "--by",
    "by_email",
    metavar="EMAIL",
    help="Staff user recorded as doing the import. Default: your operating "
    "system login name.",
)
@with_appcontext
def import_responses_command(
    file: Path,
    mapping_path: Path,
    dry_run: bool,
    allow_mixed: bool,
    allow_overlap: bool,
    by_email: str | None,
) -> None:
    """Import a Google Forms, Microsoft Forms or LimeSurvey export of past responses.

    Only the mapped answers, the year group and the date of each response are
    stored. A file with any problem imports nothing; importing the same file
    again changes nothing.
    """
    session = get_db()
    imported_by, user_id = _importer(session, by_email)
    try:
        result = import_responses(
            session,
            file,
            mapping_path,
            imported_by=imported_by,
            imported_by_user_id=user_id,
            imported_via="cli",
            dry_run=dry_run,
            allow_mixed=allow_mixed,
            allow_overlap=allow_overlap,
            min_seconds_per_question=current_app.config["MIN_SECONDS_PER_QUESTION"],
        )
    except ImportRejected as error:
        click.echo(format_problems(error.problems), err=True)
        count = len(error.problems)
        raise click.ClickException(
            f"nothing was imported from {file.name}: fix the "
            f"{'problem' if count == 1 else f'{count} problems'} above and run "
            "the import again"
        ) from error
    for line in summary_lines(result):
        click.echo(line)


def _importer(session, by_email: str | None) -> tuple[str, int | None]:
    if by_email is None:
        try:
            return getpass.getuser(), None
        except (KeyError, OSError):
            return "unknown login", None
    email = by_email.strip().lower()
    user = session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        raise click.BadParameter(
            f"no staff user has the email address {email}: check the spelling",
            param_hint="--by",
        )
    return user.email, user.user_id


def summary_lines(result: ImportResult) -> list[str]:
    """Return the summary of an import, one line per fact."""
    lines = [f"Read {result.file_name} ({result.tool_title}): {result.rows_read} rows"]
    lines += [f"  Note: {note}" for note in result.notes]
    if result.status == STATUS_ALREADY_IMPORTED:
        lines.append(_already_imported_line(result))
        return lines

    if result.dropped_columns:
        lines.append("Dropped columns (nothing of them is stored):")
        lines += [f"  {column}" for column in result.dropped_columns]
    lines += _skipped_lines(result)
    if result.too_fast:
        lines.append(
            f"Flagged as answered too fast to have been read: {result.too_fast}"
        )
    if result.few_answers:
        lines.append(
            f"Note: {result.few_answers} of {result.responses} responses answer "
            f"fewer than half of the {result.bank_questions} questions the bank "
            f"asks {result.stakeholder_group}, so results leave them out as "
            "too_few_answers while that quality flag is excluded"
        )
    lines.append(_outcome_line(result))
    return lines


def _already_imported_line(result: ImportResult) -> str:
    earlier = result.earlier_import
    return (
        f"Nothing changed: this file has {result.earlier_reason} as import "
        f"{earlier.import_id} ({earlier.file_name}, "
        f"{earlier.imported_at:%Y-%m-%d %H:%M} UTC, {earlier.rows_imported} "
        f"responses into window {earlier.window_id} for "
        f"{earlier.stakeholder_group})"
    )


def _skipped_lines(result: ImportResult) -> list[str]:
    lines = []
    if result.blank_rows:
        lines.append(f"Ignored blank rows: {row_ranges(result.blank_rows)}")
    if result.rows_without_answers:
        lines.append(
            "Skipped rows with no answer to a mapped question: "
            f"{row_ranges(result.rows_without_answers)}"
        )
    if result.incomplete_rows:
        lines.append(
            "Skipped responses never submitted (blank completion date): "
            f"{row_ranges(result.incomplete_rows)}"
        )
    return lines


def _outcome_line(result: ImportResult) -> str:
    where = (
        f"the {result.academic_year} window of {result.school_name} for "
        f"{result.stakeholder_group}"
    )
    if result.status == STATUS_DRY_RUN:
        window = (
            "a new window" if result.is_new_window else f"window {result.window_id}"
        )
        return (
            f"Dry run: would import {result.responses} responses into {where} "
            f"({window}). Nothing was stored."
        )
    new = ", created now" if result.is_new_window else ""
    return (
        f"Imported {result.responses} responses into {where} (window "
        f"{result.window_id}{new}) as import {result.import_id}"
    )


def row_ranges(rows: list[int]) -> str:
    """Return row numbers as ranges, like 4-6, 9."""
    parts = []
    start = previous = None
    for row in sorted(rows):
        if previous is not None and row == previous + 1:
            previous = row
            continue
        if start is not None:
            parts.append(_row_range(start, previous))
        start = previous = row
    if start is not None:
        parts.append(_row_range(start, previous))
    return ", ".join(parts)


def _row_range(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}-{end}"


commands = [import_responses_command]
