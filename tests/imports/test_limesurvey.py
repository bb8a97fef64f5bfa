"""Importing a LimeSurvey responses CSV with question and answer codes."""

from datetime import date

import pytest

from survey_app.imports import STATUS_IMPORTED, ImportRejected

from .conftest import FILES, check_stored_imports, database_bytes, stored_responses

LIMESURVEY = FILES / "limesurvey"
MAPPING = LIMESURVEY / "mapping.yml"


def test_limesurvey_import_maps_codes(app, run_import):
    result = run_import(LIMESURVEY / "responses.csv", MAPPING)

    assert result.status == STATUS_IMPORTED
    assert result.rows_read == 4
    assert result.responses == 3
    responses = stored_responses(app)
    assert responses[0]["answers"] == {
        "stf-P1.1-a": (4, False),
        "stf-P1.2-a": (5, False),
        "stf-P1.3-a": (3, False),
        "stf-P1.4-a": (4, False),
    }
    assert responses[1]["answers"] == {
        "stf-P1.1-a": (2, False),
        "stf-P1.2-a": (None, True),
        "stf-P1.3-a": (2, False),
    }
    assert [response["submitted_on"] for response in responses] == [
        date(2024, 1, 15),
        date(2024, 1, 15),
        date(2024, 1, 16),
    ]
    assert {response["year_group"] for response in responses} == {None}
    check_stored_imports(app)


def test_limesurvey_incomplete_response_is_skipped(app, run_import):
    result = run_import(LIMESURVEY / "responses.csv", MAPPING)

    assert result.incomplete_rows == [4]


def test_limesurvey_incomplete_response_is_read_when_asked(
    app, run_import, write_mapping
):
    mapping = write_mapping("limesurvey/mapping.yml", include_incomplete=True)

    result = run_import(LIMESURVEY / "responses.csv", mapping)

    assert result.responses == 4
    assert result.incomplete_rows == []
    # No submitdate: the closing date of the 2023/24 window.
    assert stored_responses(app)[2]["submitted_on"] == date(2024, 8, 31)


def test_limesurvey_drops_addresses_and_free_text(app, run_import):
    result = run_import(LIMESURVEY / "responses.csv", MAPPING)

    reasons = {column.header: column.reason for column in result.dropped_columns}
    assert reasons["ipaddr"] == "IP addresses"
    assert reasons["refurl"] == "referring web addresses"
    assert reasons["seed"] == "random seeds"
    assert reasons["G02Q05"] == "email addresses"
    stored = database_bytes(app)
    for personal in (
        b"192.0.2",
        b"j.brown",
        b"school.example.org",
        b"More time for planning",
    ):
        assert personal not in stored


def test_limesurvey_unknown_code_lists_known_codes(app, run_import, tmp_path):
    text = (LIMESURVEY / "responses.csv").read_text(encoding="utf-8")
    path = tmp_path / "codes.csv"
    path.write_text(text.replace('"AO03","AO04","More', '"-oth-","AO04","More'))

    with pytest.raises(ImportRejected) as caught:
        run_import(path, MAPPING)

    assert str(caught.value) == (
        'codes.csv, row 2, column L "G01Q03": answer "-oth-" is not a known answer '
        'label. Known labels: "AO01", "AO02", "AO03", "AO04", "AO05", "AO06", and '
        "a blank cell for unanswered. Add the label to answers in the mapping "
        "with its scale value, dont_know or unanswered, or correct the cell"
    )


def test_limesurvey_server_timezone_is_applied(
    app, run_import, write_mapping, tmp_path
):
    text = (LIMESURVEY / "responses.csv").read_text(encoding="utf-8")
    path = tmp_path / "new_york.csv"
    path.write_text(text.replace('"2024-01-15 16:02:11"', '"2024-01-15 23:30:00"'))
    mapping = write_mapping("limesurvey/mapping.yml", timezone="America/New_York")

    run_import(path, mapping)

    # 23:30 in New York is 04:30 on the next day in London.
    assert stored_responses(app)[0]["submitted_on"] == date(2024, 1, 16)
