"""Importing a Microsoft Forms Excel export, including cells Excel made dates."""

from datetime import date, datetime, time

import openpyxl
import pytest

from survey_app.imports import STATUS_IMPORTED, ImportRejected
from survey_app.models import Response

from .conftest import (
    FILES,
    check_stored_imports,
    count_rows,
    database_bytes,
    stored_responses,
)

MICROSOFT = FILES / "microsoft_forms"
MAPPING = MICROSOFT / "mapping.yml"


def edited_workbook(tmp_path, name: str, edit) -> object:
    """Copy the sample workbook, change it with edit(sheet), and return its path."""
    workbook = openpyxl.load_workbook(MICROSOFT / "responses.xlsx")
    edit(workbook.active)
    path = tmp_path / name
    workbook.save(path)
    return path


def test_microsoft_forms_import_stores_mapped_answers(app, run_import):
    result = run_import(MICROSOFT / "responses.xlsx", MAPPING)

    assert result.status == STATUS_IMPORTED
    assert result.responses == 4
    responses = stored_responses(app)
    assert [response["year_group"] for response in responses] == [7, 8, 10, 12]
    assert [response["submitted_on"] for response in responses] == [
        date(2024, 11, 12),
        date(2024, 11, 12),
        date(2024, 11, 12),
        date(2024, 11, 13),
    ]
    # "Don't know" with a straight apostrophe matches the bank's curly one.
    assert responses[1]["answers"]["sec-P1.4-a"] == (None, True)
    assert responses[3]["answers"] == {
        "sec-P1.1-a": (5, False),
        "sec-P1.4-a": (4, False),
        "sec-P1.5-a": (4, False),
    }
    check_stored_imports(app)


def test_microsoft_forms_too_fast_is_flagged(app, run_import):
    result = run_import(MICROSOFT / "responses.xlsx", MAPPING)

    assert result.too_fast == 1
    flags = [response["is_too_fast"] for response in stored_responses(app)]
    assert flags == [False, False, True, False]


def test_microsoft_forms_drops_names_and_times(app, run_import):
    result = run_import(MICROSOFT / "responses.xlsx", MAPPING)

    reasons = {column.header: column.reason for column in result.dropped_columns}
    assert reasons == {
        "ID": "respondent numbers",
        "Start time": "start times: used only to flag answers given too fast",
        "Completion time": "response times: only the date is kept",
        "Email": "email addresses",
        "Name": "names",
        "Last modified time": "response times",
        "Anything else you would like to say?": "not in the mapping",
    }
    stored = database_bytes(app)
    for personal in (b"Sam Taylor", b"sam.taylor", b"07700", b"More clubs"):
        assert personal not in stored


def test_excel_date_in_answer_is_rejected(app, run_import, tmp_path):
    def edit(sheet):
        sheet["I3"] = datetime(2024, 5, 1)

    path = edited_workbook(tmp_path, "excel_dates.xlsx", edit)

    with pytest.raises(ImportRejected) as caught:
        run_import(path, MAPPING)

    [problem] = caught.value.problems
    assert problem.row == 3
    assert problem.column == "I feel safe at school."
    assert str(problem).startswith(
        'excel_dates.xlsx, row 3, column I "I feel safe at school.": answer '
        '"2024-05-01" looks like a date'
    )
    assert count_rows(app, Response) == 0


def test_excel_date_in_answer_is_read_when_mapped(app, run_import, tmp_path):
    def edit(sheet):
        sheet["I3"] = datetime(2024, 5, 1)

    path = edited_workbook(tmp_path, "excel_dates.xlsx", edit)
    mapping = tmp_path / "mapping.yml"
    mapping.write_text(
        MAPPING.read_text(encoding="utf-8").replace(
            "  Don't know: dont_know\n",
            '  Don\'t know: dont_know\n  "2024-05-01": 3\n',
        ),
        encoding="utf-8",
    )

    run_import(path, mapping)

    assert stored_responses(app)[1]["answers"]["sec-P1.4-a"] == (3, False)


def test_excel_time_in_date_column_is_rejected(run_import, tmp_path):
    def edit(sheet):
        sheet["C2"] = time(9, 3, 40)

    path = edited_workbook(tmp_path, "times.xlsx", edit)

    with pytest.raises(ImportRejected) as caught:
        run_import(path, MAPPING)

    assert "holds a time without a date" in str(caught.value)


def test_text_completion_time_needs_date_format(run_import, tmp_path):
    def edit(sheet):
        sheet["C2"] = "11/12/24 9:03:40"

    path = edited_workbook(tmp_path, "text_times.xlsx", edit)

    with pytest.raises(ImportRejected) as caught:
        run_import(path, MAPPING)

    [problem] = caught.value.problems
    assert problem.row == 2
    assert problem.column == "Completion time"
    assert "date_format" in problem.message


def test_numbers_are_matched_as_labels(app, run_import, tmp_path):
    def edit(sheet):
        for row in range(2, 6):
            sheet.cell(row, 8).value = 4

    path = edited_workbook(tmp_path, "numbers.xlsx", edit)
    mapping = tmp_path / "mapping.yml"
    mapping.write_text(
        MAPPING.read_text(encoding="utf-8").replace(
            "  Strongly agree: 5\n", "  Strongly agree: 5\n  4: 4\n"
        ),
        encoding="utf-8",
    )

    run_import(path, mapping)

    values = {r["answers"]["sec-P1.1-a"] for r in stored_responses(app)}
    assert values == {(4, False)}


def test_second_sheet_is_read_when_named(app, run_import, tmp_path):
    workbook = openpyxl.load_workbook(MICROSOFT / "responses.xlsx")
    workbook.create_sheet("Notes", 0)
    path = tmp_path / "two_sheets.xlsx"
    workbook.save(path)

    with pytest.raises(ImportRejected) as caught:
        run_import(path, MAPPING)
    assert str(caught.value) == (
        'two_sheets.xlsx: sheet "Notes" is empty: set sheet in the mapping to one '
        'of "Sheet1"'
    )

    mapping = tmp_path / "mapping.yml"
    mapping.write_text(
        MAPPING.read_text(encoding="utf-8") + "sheet: Sheet1\n", encoding="utf-8"
    )
    result = run_import(path, mapping)
    assert result.responses == 4


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is not an Excel .xlsx workbook"),
        (b"\xd0\xcf\x11\xe0 old workbook", "is an old Excel .xls workbook"),
        (b"PK\x03\x04 broken zip", "is a damaged .xlsx workbook"),
    ],
)
def test_broken_workbook_is_rejected(run_import, tmp_path, content, expected):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)

    with pytest.raises(ImportRejected) as caught:
        run_import(path, MAPPING)

    assert expected in str(caught.value)
