"""Importing a Google Forms responses CSV, and the ways a CSV can be damaged."""

import codecs
import uuid
from datetime import date

import pytest

from survey_app.db import get_db
from survey_app.imports import (
    STATUS_ALREADY_IMPORTED,
    STATUS_DRY_RUN,
    STATUS_IMPORTED,
    ImportRejected,
)
from survey_app.models import Response, ResponseImport, SurveyWindow
from survey_app.windows import create_window

from .conftest import (
    FILES,
    TODAY,
    check_stored_imports,
    count_rows,
    database_bytes,
    stored_responses,
)

GOOGLE = FILES / "google_forms"
MAPPING = GOOGLE / "mapping.yml"


def rejected_lines(run_import, file_path, mapping_path=MAPPING, **options) -> list:
    with pytest.raises(ImportRejected) as caught:
        run_import(file_path, mapping_path, **options)
    return [str(problem) for problem in caught.value.problems]


def test_google_forms_import_stores_mapped_answers(app, run_import):
    result = run_import(GOOGLE / "responses.csv", MAPPING)

    assert result.status == STATUS_IMPORTED
    assert result.rows_read == 5
    assert result.responses == 5
    assert result.is_new_window
    responses = stored_responses(app)
    assert len(responses) == 5
    assert {response["source"] for response in responses} == {"import"}
    assert [response["year_group"] for response in responses] == [3, 4, 6, 5, None]
    first = responses[0]
    assert first["answers"] == {
        "pri-P1.1-a": (3, False),
        "pri-P1.4-a": (3, False),
        "pri-P1.5-a": (2, False),
        "pri-P2.1-a": (3, False),
    }
    # "Not sure" is the bank's don't-know label; a blank cell stores nothing.
    assert responses[1]["answers"]["pri-P1.4-a"] == (None, True)
    assert "pri-P1.5-a" not in responses[2]["answers"]
    check_stored_imports(app)


def test_google_forms_dates_are_london_dates(app, run_import):
    run_import(GOOGLE / "responses.csv", MAPPING)

    dates = [response["submitted_on"] for response in stored_responses(app)]
    # 23:30 GMT on 2 April 2024 is 00:30 on 3 April in London (summer time),
    # and 08:05 GMT+1 is 08:05 in London.
    assert dates == [
        date(2024, 3, 5),
        date(2024, 3, 5),
        date(2024, 3, 6),
        date(2024, 4, 3),
        date(2024, 4, 3),
    ]


def test_google_forms_import_drops_identifying_columns(app, run_import):
    result = run_import(GOOGLE / "responses.csv", MAPPING)

    reasons = {column.header: column.reason for column in result.dropped_columns}
    assert reasons == {
        "Timestamp": "response times: only the date is kept",
        "Email address": "email addresses",
        "Is there anything else you want to tell us?": "not in the mapping",
    }
    stored = database_bytes(app)
    for personal in (b"ava.smith", b"example.org", b"Chloe", b"playground", b"10:15"):
        assert personal not in stored


def test_google_forms_import_creates_window_with_bank(app, run_import):
    result = run_import(GOOGLE / "responses.csv", MAPPING)

    with app.app_context():
        window = get_db().get(SurveyWindow, result.window_id)
        assert window.academic_year == "2023/24"
        assert window.bank_version == "2024.1"
        groups = {link.stakeholder_group for link in window.links}
        assert groups == {"pupil_primary", "parent", "staff", "governor"}


def test_google_forms_import_records_file(app, run_import):
    result = run_import(GOOGLE / "responses.csv", MAPPING, imported_by="sam")

    with app.app_context():
        record = get_db().get(ResponseImport, result.import_id)
        assert record.file_name == "responses.csv"
        assert len(record.file_sha256) == 64
        assert record.tool == "google_forms"
        assert record.rows_read == 5
        assert record.rows_imported == 5
        assert record.imported_by == "sam"
        assert record.imported_via == "cli"
        assert record.imported_at.tzinfo is not None


def test_reimport_same_file_is_noop(app, run_import):
    first = run_import(GOOGLE / "responses.csv", MAPPING)
    again = run_import(GOOGLE / "responses.csv", MAPPING)

    assert again.status == STATUS_ALREADY_IMPORTED
    assert again.earlier_reason == "the same content"
    assert again.earlier_import.import_id == first.import_id
    assert count_rows(app, Response) == 5
    assert count_rows(app, ResponseImport) == 1


def test_reimport_same_rows_in_other_bytes_is_noop(app, run_import, tmp_path):
    run_import(GOOGLE / "responses.csv", MAPPING)
    # The same responses with a BOM, LF line ends and the rows reversed.
    lines = (GOOGLE / "responses.csv").read_text(encoding="utf-8").splitlines()
    resaved = tmp_path / "resaved.csv"
    resaved.write_bytes(
        codecs.BOM_UTF8 + "\n".join([lines[0], *reversed(lines[1:])]).encode()
    )

    again = run_import(resaved, MAPPING)

    assert again.status == STATUS_ALREADY_IMPORTED
    assert again.earlier_reason == "the same mapped responses"
    assert count_rows(app, Response) == 5


def test_dry_run_stores_nothing(app, run_import):
    result = run_import(GOOGLE / "responses.csv", MAPPING, dry_run=True)

    assert result.status == STATUS_DRY_RUN
    assert result.responses == 5
    assert count_rows(app, Response) == 0
    assert count_rows(app, SurveyWindow) == 0
    assert count_rows(app, ResponseImport) == 0


def test_bom_file_is_read_with_note(app, run_import):
    result = run_import(GOOGLE / "responses_bom.csv", MAPPING)

    assert result.status == STATUS_IMPORTED
    assert result.responses == 5
    assert any("byte order mark" in note for note in result.notes)


def test_cp1252_file_is_read_with_note(app, run_import, tmp_path, write_mapping):
    text = (GOOGLE / "responses.csv").read_text(encoding="utf-8")
    text = text.replace("I like the new playground", "Café at playtime – “great”")
    path = tmp_path / "windows.csv"
    path.write_bytes(text.encode("cp1252"))

    result = run_import(path, MAPPING)

    assert result.status == STATUS_IMPORTED
    assert any("Windows-1252" in note for note in result.notes)


def test_mangled_bom_is_rejected(run_import, tmp_path):
    text = (GOOGLE / "responses.csv").read_text(encoding="utf-8")
    path = tmp_path / "twice.csv"
    path.write_bytes(codecs.BOM_UTF8.decode("cp1252").encode("utf-8") + text.encode())

    lines = rejected_lines(run_import, path)

    assert len(lines) == 1
    assert "twice.csv, row 1: begins with" in lines[0]
    assert "byte order mark" in lines[0]


def test_bom_inside_cell_is_rejected(app, run_import, tmp_path):
    text = (GOOGLE / "responses.csv").read_text(encoding="utf-8")
    path = tmp_path / "joined.csv"
    path.write_text(text.replace(",Year 4,Sometimes,", ",Year 4,\ufeffSometimes,"))

    lines = rejected_lines(run_import, path)

    assert lines == [
        'joined.csv, row 3, column D "Adults at my school are kind and polite to '
        'children.": answer "\\ufeffSometimes" contains a byte order mark or a '
        "control character, which happens when files are joined or copied: type "
        "the answer again"
    ]
    assert count_rows(app, Response) == 0


def test_semicolon_file_is_rejected_naming_fix(app, run_import):
    lines = rejected_lines(run_import, GOOGLE / "responses_semicolon.csv")

    assert len(lines) == 1
    assert lines[0].startswith("responses_semicolon.csv, row 1: looks semicolon-")
    assert 'csv_delimiter: ";"' in lines[0]
    assert count_rows(app, Response) == 0


def test_semicolon_file_is_read_when_mapped(app, run_import, write_mapping):
    mapping = write_mapping("google_forms/mapping.yml", csv_delimiter=";")

    result = run_import(GOOGLE / "responses_semicolon.csv", mapping)

    assert result.status == STATUS_IMPORTED
    assert result.responses == 5
    assert any("delimiter" in note for note in result.notes)


def test_blank_trailing_rows_are_ignored_and_reported(app, run_import):
    result = run_import(GOOGLE / "responses_blank_rows.csv", MAPPING)

    assert result.status == STATUS_IMPORTED
    assert result.responses == 5
    assert result.blank_rows == [7, 8, 9]
    assert count_rows(app, Response) == 5


def test_duplicate_headers_are_rejected(app, run_import):
    lines = rejected_lines(run_import, GOOGLE / "duplicate_headers.csv")

    assert lines[1] == (
        'duplicate_headers.csv, row 1, column F "I feel safe at school.": repeats '
        "the header of column E. Two columns with one header cannot be told "
        "apart: rename one of them in the file"
    )
    assert count_rows(app, Response) == 0


def test_bad_rows_are_all_reported_and_nothing_stored(app, run_import):
    lines = rejected_lines(run_import, GOOGLE / "bad_rows.csv")

    assert len(lines) == 3
    assert lines[0].startswith(
        "bad_rows.csv, row 3: has 9 cells but the header has 8 columns"
    )
    assert lines[1].startswith(
        'bad_rows.csv, row 4, column E "I feel safe at school.": answer "Mostly" '
        "is not a known answer label. Known labels: "
        '"No", "Sometimes", "Yes", "Not sure"'
    )
    assert lines[2] == (
        'bad_rows.csv, row 5, column C "What year are you in?": year group 9 is '
        "not asked of pupil_primary (years 3 to 6): check stakeholder_group in "
        "the mapping, or correct the cell"
    )
    assert count_rows(app, Response) == 0
    assert count_rows(app, SurveyWindow) == 0
    assert count_rows(app, ResponseImport) == 0


def test_date_mangled_answer_is_rejected(app, run_import):
    lines = rejected_lines(run_import, GOOGLE / "date_mangled.csv")

    assert len(lines) == 1
    assert lines[0].startswith(
        'date_mangled.csv, row 3, column D "Adults at my school are kind and '
        'polite to children.": answer "01-May" looks like a date'
    )
    assert count_rows(app, Response) == 0


def test_date_mangled_answer_is_read_when_mapped(app, run_import, write_mapping):
    mapping = write_mapping(
        "google_forms/mapping.yml",
        answers={
            "No": 1,
            "Sometimes": 2,
            "Yes": 3,
            "Not sure": "dont_know",
            "01-May": 1,
        },
    )

    result = run_import(GOOGLE / "date_mangled.csv", mapping)

    assert result.responses == 2
    answers = stored_responses(app)[1]["answers"]
    assert answers["pri-P1.1-a"] == (1, False)


def test_email_in_unmapped_column_is_dropped_and_named(app, run_import, tmp_path):
    text = (GOOGLE / "responses.csv").read_text(encoding="utf-8")
    path = tmp_path / "comments.csv"
    path.write_text(
        text.replace("I like the new playground", "write to me@example.org")
    )

    result = run_import(path, MAPPING)

    reasons = {column.header: column.reason for column in result.dropped_columns}
    assert reasons["Is there anything else you want to tell us?"] == "email addresses"
    assert b"me@example.org" not in database_bytes(app)


def test_email_in_mapped_column_is_not_repeated(run_import, tmp_path):
    text = (GOOGLE / "responses.csv").read_text(encoding="utf-8")
    path = tmp_path / "shifted.csv"
    path.write_text(text.replace("Year 3,Yes,", "Year 3,ava@example.org,"))

    lines = rejected_lines(run_import, path)

    assert len(lines) == 1
    assert "(an email address, not shown)" in lines[0]
    assert "ava@example.org" not in lines[0]


def test_rows_without_answers_are_skipped_and_reported(app, run_import, tmp_path):
    text = (GOOGLE / "responses.csv").read_text(encoding="utf-8")
    path = tmp_path / "empty_row.csv"
    path.write_text(text + "2024/03/07 10:00:00 GMT,x@example.org,Year 4,,,,,hi\r\n")

    result = run_import(path, MAPPING)

    assert result.responses == 5
    assert result.rows_without_answers == [7]


def test_date_outside_academic_year_is_rejected(run_import, tmp_path):
    text = (GOOGLE / "responses.csv").read_text(encoding="utf-8")
    path = tmp_path / "late.csv"
    path.write_text(text.replace("2024/03/06 09:02:11", "2024/09/06 09:02:11"))

    lines = rejected_lines(run_import, path)

    assert lines == [
        'late.csv, row 4, column A "Timestamp": date 2024-09-06 is outside '
        "academic year 2023/24 (2023-09-01 to 2024-08-31): check academic_year "
        "in the mapping, or split the file by academic year"
    ]


def test_resaved_timestamp_is_rejected(run_import, tmp_path):
    text = (GOOGLE / "responses.csv").read_text(encoding="utf-8")
    path = tmp_path / "resaved.csv"
    path.write_text(text.replace("2024/03/06 09:02:11 GMT", "06/03/2024 09:02"))

    lines = rejected_lines(run_import, path)

    assert len(lines) == 1
    assert lines[0].startswith(
        'resaved.csv, row 4, column A "Timestamp": date "06/03/2024 09:02" is not '
        "a Google Forms time stamp"
    )
    assert "date_format" in lines[0]


def test_resaved_timestamp_is_read_with_date_format(
    app, run_import, tmp_path, write_mapping
):
    path = tmp_path / "resaved.csv"
    path.write_text("Timestamp,I feel safe at school.\r\n06/03/2024 09:02,Yes\r\n")
    mapping = write_mapping(
        "google_forms/mapping.yml",
        remove=("year_group",),
        date_format="%d/%m/%Y %H:%M",
        questions={"I feel safe at school.": "pri-P1.4-a"},
    )

    result = run_import(path, mapping)

    assert result.responses == 1
    assert stored_responses(app)[0]["submitted_on"] == date(2024, 3, 6)


def test_without_date_column_uses_closing_date(
    app, run_import, tmp_path, write_mapping
):
    path = tmp_path / "no_dates.csv"
    path.write_text("I feel safe at school.\r\nYes\r\nNo\r\n")
    mapping = write_mapping(
        "google_forms/mapping.yml",
        remove=("year_group",),
        date_column=None,
        questions={"I feel safe at school.": "pri-P1.4-a"},
    )

    run_import(path, mapping)

    dates = {response["submitted_on"] for response in stored_responses(app)}
    assert dates == {date(2024, 8, 31)}


def test_current_year_without_dates_uses_today(
    app, run_import, tmp_path, write_mapping
):
    path = tmp_path / "no_dates.csv"
    path.write_text("I feel safe at school.\r\nYes\r\n")
    mapping = write_mapping(
        "google_forms/mapping.yml",
        remove=("year_group",),
        academic_year="2025/26",
        date_column=None,
        questions={"I feel safe at school.": "pri-P1.4-a"},
    )

    run_import(path, mapping)

    assert stored_responses(app)[0]["submitted_on"] == TODAY


def test_missing_timestamp_column_names_fix(run_import, tmp_path):
    path = tmp_path / "no_timestamp.csv"
    path.write_text("I feel safe at school.\r\nYes\r\n")

    lines = rejected_lines(run_import, path)

    assert any(
        'has no column "Timestamp", which a Google Forms export has' in line
        and "date_column: null" in line
        for line in lines
    )


def test_survey_responses_block_import_unless_mixed(app, run_import, schools):
    with app.app_context():
        session = get_db()
        window = create_window(
            session, schools["100001"], "2023/24", bank_version="2024.1"
        )
        session.add(
            Response(
                response_id=str(uuid.uuid4()),
                window_id=window.window_id,
                stakeholder_group="pupil_primary",
                bank_version="2024.1",
                submitted_on=date(2024, 3, 1),
                source="survey",
            )
        )
        session.commit()

    lines = rejected_lines(run_import, GOOGLE / "responses.csv")

    assert len(lines) == 1
    assert "already has 1 survey responses from pupil_primary" in lines[0]
    assert "counted twice" in lines[0]
    assert "--allow-mixed" in lines[0]
    assert count_rows(app, Response) == 1

    result = run_import(GOOGLE / "responses.csv", MAPPING, allow_mixed=True)

    assert result.status == STATUS_IMPORTED
    assert count_rows(app, Response) == 6


def test_later_export_repeating_rows_is_rejected(app, run_import, tmp_path):
    lines = (GOOGLE / "responses.csv").read_text(encoding="utf-8").splitlines()
    march = tmp_path / "march.csv"
    march.write_text("\r\n".join(lines[:4]) + "\r\n")
    april = tmp_path / "april.csv"
    april.write_text("\r\n".join(lines) + "\r\n")
    run_import(march, MAPPING)

    with pytest.raises(ImportRejected) as caught:
        run_import(april, MAPPING)
    message = str(caught.value)
    assert "repeats all 3 responses of import 1 (march.csv" in message
    assert count_rows(app, Response) == 3

    result = run_import(april, MAPPING, allow_overlap=True)
    assert result.responses == 5
    assert count_rows(app, Response) == 8


def test_existing_window_with_other_bank_is_rejected(app, run_import, schools):
    with app.app_context():
        session = get_db()
        create_window(session, schools["100001"], "2023/24", bank_version="2025.1")
        session.commit()

    with pytest.raises(ImportRejected) as caught:
        run_import(GOOGLE / "responses.csv", MAPPING)

    assert "uses question bank 2025.1, not 2024.1" in str(caught.value)
    assert count_rows(app, Response) == 0


def test_import_into_existing_window(app, run_import, schools):
    with app.app_context():
        session = get_db()
        window = create_window(
            session, schools["100001"], "2023/24", bank_version="2024.1"
        )
        session.commit()
        window_id = window.window_id

    result = run_import(GOOGLE / "responses.csv", MAPPING)

    assert result.window_id == window_id
    assert not result.is_new_window
    assert count_rows(app, SurveyWindow) == 1


def test_missing_column_names_closest_headers(run_import, write_mapping):
    mapping = write_mapping(
        "google_forms/mapping.yml",
        remove=("year_group",),
        questions={"I feel safe at school": "pri-P1.4-a"},
    )

    lines = rejected_lines(run_import, GOOGLE / "responses.csv", mapping)

    assert lines == [
        'responses.csv, row 1: has no column "I feel safe at school" (named under '
        "questions in mapping.yml): copy the header exactly from the file. Closest "
        'headers: "I feel safe at school."'
    ]


def test_column_matching_two_headers_is_rejected(run_import, tmp_path, write_mapping):
    path = tmp_path / "cases.csv"
    path.write_text(
        "Timestamp,I feel safe at school.,i feel  SAFE at school.\r\n"
        "2024/03/05 10:15:22 GMT,Yes,No\r\n"
    )
    mapping = write_mapping(
        "google_forms/mapping.yml",
        remove=("year_group",),
        questions={"I FEEL SAFE AT SCHOOL.": "pri-P1.4-a"},
    )

    lines = rejected_lines(run_import, path, mapping)

    assert lines == [
        'cases.csv, row 1: has several columns that match "I FEEL SAFE AT SCHOOL." '
        "when case and spaces are ignored: copy one header exactly into questions "
        "in mapping.yml"
    ]


def test_column_matching_ignores_case_and_spaces(app, run_import, write_mapping):
    mapping = write_mapping(
        "google_forms/mapping.yml",
        remove=("year_group",),
        questions={"  i feel SAFE at   school. ": "pri-P1.4-a"},
    )

    result = run_import(GOOGLE / "responses.csv", mapping)

    assert result.responses == 5
