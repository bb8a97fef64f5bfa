"""The import-responses command: its summary, its errors and its exit codes."""

import pytest

from survey_app.commands.imports import row_ranges
from survey_app.models import Response, ResponseImport

from .conftest import FILES, count_rows

GOOGLE = FILES / "google_forms"


def invoke(runner, *args):
    return runner.invoke(args=["import-responses", *map(str, args)])


def test_command_prints_summary(app, runner, schools):
    result = invoke(
        runner,
        GOOGLE / "responses_blank_rows.csv",
        "--mapping",
        GOOGLE / "mapping.yml",
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Read responses_blank_rows.csv (Google Forms): 8 rows"
    assert lines[1] == "Dropped columns (nothing of them is stored):"
    assert lines[2] == '  A "Timestamp": response times: only the date is kept'
    assert lines[3] == '  B "Email address": email addresses'
    assert (
        lines[4]
        == '  H "Is there anything else you want to tell us?": not in the mapping'
    )
    assert lines[5] == "Ignored blank rows: 7-9"
    assert lines[6] == (
        "Note: 5 of 5 responses answer fewer than half of the 21 questions the "
        "bank asks pupil_primary, so results leave them out as too_few_answers "
        "while that quality flag is excluded"
    )
    assert lines[-1] == (
        "Imported 5 responses into the 2023/24 window of Hilltop Primary for "
        "pupil_primary (window 1, created now) as import 1"
    )
    assert count_rows(app, Response) == 5


def test_command_dry_run_stores_nothing(app, runner, schools):
    result = invoke(
        runner,
        GOOGLE / "responses.csv",
        "--mapping",
        GOOGLE / "mapping.yml",
        "--dry-run",
    )

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "Dry run: would import 5 responses into the 2023/24 window of Hilltop "
        "Primary for pupil_primary (a new window). Nothing was stored."
    )
    assert count_rows(app, Response) == 0


def test_command_second_run_changes_nothing(app, runner, schools):
    first = invoke(
        runner, GOOGLE / "responses.csv", "--mapping", GOOGLE / "mapping.yml"
    )
    again = invoke(
        runner, GOOGLE / "responses.csv", "--mapping", GOOGLE / "mapping.yml"
    )

    assert first.exit_code == 0
    assert again.exit_code == 0
    assert again.output.splitlines()[-1].startswith(
        "Nothing changed: this file has the same content as import 1 (responses.csv, "
    )
    assert count_rows(app, Response) == 5
    assert count_rows(app, ResponseImport) == 1


def test_command_lists_problems_and_fails(app, runner, schools):
    result = invoke(
        runner, GOOGLE / "bad_rows.csv", "--mapping", GOOGLE / "mapping.yml"
    )

    assert result.exit_code == 1
    assert "bad_rows.csv, row 3: has 9 cells" in result.output
    assert (
        'bad_rows.csv, row 4, column E "I feel safe at school.": answer "Mostly"'
        in (result.output)
    )
    assert result.output.rstrip().endswith(
        "Error: nothing was imported from bad_rows.csv: fix the 3 problems above "
        "and run the import again"
    )
    assert count_rows(app, Response) == 0


def test_command_records_staff_user(app, runner, schools):
    from survey_app.commands.users import create_user
    from survey_app.db import get_db

    with app.app_context():
        create_user(
            get_db(),
            email="lead@hilltop.example",
            display_name="Mental health lead",
            role="school",
            school_id=schools["100001"],
            password="correct horse battery staple",
        )

    result = invoke(
        runner,
        GOOGLE / "responses.csv",
        "--mapping",
        GOOGLE / "mapping.yml",
        "--by",
        "Lead@Hilltop.example",
    )

    assert result.exit_code == 0, result.output
    with app.app_context():
        record = get_db().get(ResponseImport, 1)
        assert record.imported_by == "lead@hilltop.example"
        assert record.imported_by_user_id is not None


def test_command_rejects_unknown_staff_user(runner, schools):
    result = invoke(
        runner,
        GOOGLE / "responses.csv",
        "--mapping",
        GOOGLE / "mapping.yml",
        "--by",
        "nobody@example.org",
    )

    assert result.exit_code == 2
    assert "no staff user has the email address nobody@example.org" in result.output


@pytest.mark.parametrize(
    ("rows", "expected"),
    [([], ""), ([4], "4"), ([4, 5, 6, 9], "4-6, 9"), ([9, 4, 5], "4-5, 9")],
)
def test_row_ranges(rows, expected):
    assert row_ranges(rows) == expected
