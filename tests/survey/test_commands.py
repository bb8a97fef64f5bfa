"""CLI commands: create-school, open-window, show-links, issue-codes, set-access."""

import re

import pytest

from .conftest import current_academic_year, shift_academic_year


def invoke(runner, *args):
    return runner.invoke(args=list(args), catch_exceptions=False)


def test_create_school_and_open_window(runner, store):
    created = invoke(
        runner, "create-school", "--name", "Hillside", "--phase", "primary"
    )
    year = current_academic_year()

    opened = invoke(runner, "open-window", "--school-id", "1", "--year", year)

    assert created.exit_code == 0
    assert "Created school 1: Hillside (primary)" in created.output
    assert opened.exit_code == 0, opened.output
    assert f"Created window 1 for Hillside, {year}" in opened.output
    assert re.search(r"pupil_primary\s+http://127.0.0.1:5000/s/\w{8}", opened.output)
    assert store.execute("select count(*) from survey_links").fetchone() == (4,)


def test_open_window_with_dates(runner):
    invoke(runner, "create-school", "--name", "Hillside", "--phase", "secondary")

    result = invoke(
        runner,
        "open-window",
        "--school-id",
        "1",
        "--year",
        "2025/26",
        "--opens",
        "2026-03-01",
        "--closes",
        "2026-03-31",
    )

    assert result.exit_code == 0
    assert "2026-03-01 to 2026-03-31" in result.output
    assert "pupil_secondary" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "2025-26"], "academic year '2025-26' is not valid"),
        (["--year", "2025/26", "--opens", "2025-08-01"], "opening date 2025-08-01"),
        (["--year", "2025/26", "--bank-version", "9.9"], "question bank '9.9'"),
    ],
)
def test_open_window_rejects_bad_values(runner, args, message):
    invoke(runner, "create-school", "--name", "Hillside", "--phase", "primary")

    result = invoke(runner, "open-window", "--school-id", "1", *args)

    assert result.exit_code == 1
    assert message in result.output


def test_open_window_for_unknown_school(runner):
    result = invoke(runner, "open-window", "--school-id", "9", "--year", "2025/26")

    assert result.exit_code == 1
    assert "school 9 not found" in result.output


def test_create_school_rejects_bad_urn(runner):
    result = invoke(
        runner, "create-school", "--name", "X", "--phase", "primary", "--urn", "12"
    )

    assert result.exit_code == 1
    assert "URN '12' is not valid: a DfE unique reference number has 6 digits" in (
        result.output
    )


def test_show_links_lists_open_windows_only(runner, make_survey):
    open_survey = make_survey(name="Open Primary")
    make_survey(
        name="Closed Primary",
        academic_year=shift_academic_year(current_academic_year(), -1),
    )

    result = invoke(runner, "show-links", "--base-url", "http://127.0.0.1:8000/")

    assert "Open Primary (school 1)" in result.output
    assert "Closed Primary" not in result.output
    token = open_survey.tokens["parent"]
    assert f"http://127.0.0.1:8000/s/{token}" in result.output


def test_show_links_without_open_window(runner):
    result = invoke(runner, "show-links")

    assert result.exit_code == 0
    assert "No survey window is open today" in result.output


def test_show_links_rejects_bad_base_url(runner):
    result = runner.invoke(args=["show-links", "--base-url", "localhost:5000"])

    assert result.exit_code == 2
    assert "'localhost:5000' is not a web address" in result.output


def test_issue_codes_prints_codes_once(runner, survey, store):
    token = survey.tokens["pupil_primary"]

    result = invoke(
        runner, "issue-codes", "--link", token, "--label", "5B", "--count", "4"
    )

    codes = re.findall(r"^[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}$", result.output, re.M)
    assert len(codes) == 4
    assert "They are not stored: keep this list" in result.output
    assert "is open to anyone" in result.output
    stored = [row[0] for row in store.execute("select code_hash from access_codes")]
    assert len(stored) == 4
    assert not set(codes) & set(stored)


def test_issue_codes_rejects_unknown_link_and_count(runner, survey):
    unknown = runner.invoke(
        args=["issue-codes", "--link", "nosuchtk", "--label", "5B", "--count", "3"]
    )
    too_many = runner.invoke(
        args=[
            "issue-codes",
            "--link",
            survey.tokens["parent"],
            "--label",
            "5B",
            "--count",
            "1000",
        ]
    )

    assert unknown.exit_code == 1
    assert "link 'nosuchtk' not found" in unknown.output
    assert too_many.exit_code == 1
    assert "count 1000 is not valid" in too_many.output


def test_set_access_command(runner, survey, store):
    token = survey.tokens["pupil_primary"]

    result = invoke(
        runner,
        "set-access",
        "--link",
        token,
        "--mode",
        "codes",
        "--kiosk",
        "--number-on-roll",
        "90",
    )

    assert f"Link {token}: access codes, kiosk on, number on roll 90" in result.output
    row = store.execute(
        "select access_mode, kiosk, number_on_roll from survey_links where token = ?",
        (token,),
    ).fetchone()
    assert row == ("codes", 1, 90)
