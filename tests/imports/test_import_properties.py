"""Property tests: any file gives a clear rejection or a valid import.

Examples share one database, so each check also covers the imports before
it: whatever a file holds, no exception other than ImportRejected escapes, a
rejected file changes nothing, and every stored row stays valid.
"""

import csv
import io
import itertools
from datetime import datetime

import openpyxl
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from survey_app.imports import STATUS_ALREADY_IMPORTED, STATUS_IMPORTED, ImportRejected
from survey_app.models import Response

from .conftest import check_stored_imports, count_rows

HEADER = [
    "Timestamp",
    "Email address",
    "What year are you in?",
    "Adults at my school are kind and polite to children.",
    "I feel safe at school.",
    "We have fun and laugh together at school.",
    "At school we learn how to listen to each other.",
    "Anything else?",
]
MAPPING = """\
tool: google_forms
school_urn: "100001"
academic_year: "2023/24"
stakeholder_group: pupil_primary
bank_version: "2024.1"
year_group: What year are you in?
questions:
  Adults at my school are kind and polite to children.: pri-P1.1-a
  I feel safe at school.: pri-P1.4-a
  We have fun and laugh together at school.: pri-P1.5-a
  At school we learn how to listen to each other.: pri-P2.1-a
"""
ANSWER_TRAPS = [
    "Yes",
    "No",
    "Sometimes",
    "Not sure",
    " yes ",
    "NOT SURE",
    "",
    "01-May",
    "1/2",
    "#N/A",
    "=1+1",
    "-2",
    "pupil@example.org",
    "\ufeffYes",
    "Yes\nNo",
    'Yes, "really"',
]
YEAR_TRAPS = ["Year 3", "Y4", "5", "yr 6", "", "Year 9", "0", "3-4", "Prefer not"]
STAMP_TRAPS = [
    "2024/03/05 10:15:22 GMT",
    "2023/09/01 00:00:00 GMT",
    "2024/08/31 22:30:00 GMT",
    # 00:30 on 1 September in London: outside 2023/24.
    "2024/08/31 23:30:00 GMT",
    "2024/06/01 9:00:00 pm GMT+1",
    "2024/02/30 10:00:00 GMT",
    "2025/01/01 10:00:00 GMT",
    "05/03/2024 10:15",
    "",
]
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    # The app and its database are shared by every example on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
counter = itertools.count()


def cells(traps):
    return st.one_of(st.sampled_from(traps), st.text(max_size=20))


VALID_ANSWERS = ["Yes", "No", "Sometimes", "Not sure", " yes ", "NOT SURE", ""]
VALID_YEARS = ["Year 3", "Y4", "5", "yr 6", ""]
VALID_STAMPS = [*STAMP_TRAPS[:3], "2024/06/01 9:00:00 pm GMT+1", ""]
comments = st.text(max_size=30)
clean_rows = st.lists(
    st.tuples(
        st.sampled_from(VALID_STAMPS),
        st.sampled_from(["a@example.org", ""]),
        st.sampled_from(VALID_YEARS),
        *[st.sampled_from(VALID_ANSWERS)] * 4,
        comments,
    ),
    max_size=25,
)
messy_rows = st.lists(
    st.tuples(
        cells(STAMP_TRAPS),
        cells(["a@example.org", ""]),
        cells(YEAR_TRAPS),
        *[cells(ANSWER_TRAPS)] * 4,
        comments,
    ),
    max_size=25,
)


def import_and_check(app, run_import, path, mapping):
    """Import a file; assert a clear rejection or a valid import."""
    before = count_rows(app, Response)
    try:
        result = run_import(path, mapping)
    except ImportRejected as error:
        event("rejected")
        assert error.problems
        for problem in error.problems:
            text = str(problem)
            assert text.startswith((path.name, mapping.name))
            assert len(text) > len(problem.location) + 10
        assert count_rows(app, Response) == before
    else:
        event(result.status)
        assert result.status in (STATUS_IMPORTED, STATUS_ALREADY_IMPORTED)
        if result.status == STATUS_IMPORTED:
            assert result.responses >= 1
            assert count_rows(app, Response) == before + result.responses
        else:
            assert count_rows(app, Response) == before
    check_stored_imports(app)


def write_mapping(tmp_path, delimiter: str | None):
    path = tmp_path / f"mapping-{next(counter)}.yml"
    extra = f"csv_delimiter: {delimiter!r}\n" if delimiter else ""
    path.write_text(MAPPING + extra, encoding="utf-8")
    return path


@SETTINGS
@given(
    data=st.one_of(clean_rows, messy_rows),
    encoding=st.sampled_from(
        ["utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]
    ),
    delimiter=st.sampled_from([",", ";"]),
    # Whether the mapping names the file's delimiter, none, or the other one.
    delimiter_in_mapping=st.sampled_from(["same", "same", "none", "other"]),
    quoted=st.booleans(),
    blank_lines=st.integers(min_value=0, max_value=3),
)
def test_any_csv_gives_clear_error_or_valid_import(
    app,
    run_import,
    tmp_path,
    data,
    encoding,
    delimiter,
    delimiter_in_mapping,
    quoted,
    blank_lines,
):
    if quoted:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(data)
        text = buffer.getvalue()
    else:
        lines = [delimiter.join(HEADER), *(delimiter.join(row) for row in data)]
        text = "\r\n".join(lines) + "\r\n"
    text += "\r\n" * blank_lines
    path = tmp_path / f"responses-{next(counter)}.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))

    mapped_delimiter = {
        "same": delimiter,
        "none": None,
        "other": ";" if delimiter == "," else ",",
    }[delimiter_in_mapping]
    import_and_check(app, run_import, path, write_mapping(tmp_path, mapped_delimiter))


@SETTINGS
@given(
    content=st.one_of(
        st.binary(max_size=2000),
        st.binary(max_size=2000).map(lambda tail: b"PK\x03\x04" + tail),
        st.binary(max_size=500).map(lambda tail: b"\xef\xbb\xbf" + tail),
    ),
    suffix=st.sampled_from([".csv", ".xlsx"]),
)
def test_any_bytes_give_clear_error_or_valid_import(
    app, run_import, tmp_path, content, suffix
):
    path = tmp_path / f"bytes-{next(counter)}{suffix}"
    path.write_bytes(content)

    import_and_check(app, run_import, path, write_mapping(tmp_path, None))


xlsx_cells = st.one_of(
    st.none(),
    st.sampled_from(ANSWER_TRAPS[:13] + YEAR_TRAPS),
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc")),
        max_size=15,
    ),
    st.integers(min_value=-10, max_value=20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2027, 1, 1)),
)


clean_workbook_rows = st.lists(
    st.tuples(
        st.datetimes(min_value=datetime(2023, 9, 1), max_value=datetime(2024, 8, 30)),
        st.sampled_from(["anonymous", None]),
        st.sampled_from([*VALID_YEARS, 3, 6, None]),
        *[st.sampled_from([*VALID_ANSWERS, None])] * 4,
        st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs", "Cc")))),
    ).map(list),
    max_size=20,
)
messy_workbook_rows = st.lists(st.lists(xlsx_cells, max_size=10), max_size=20)


@SETTINGS
@given(data=st.one_of(clean_workbook_rows, messy_workbook_rows))
def test_any_workbook_gives_clear_error_or_valid_import(
    app, run_import, tmp_path, data
):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in data:
        sheet.append(row)
    path = tmp_path / f"workbook-{next(counter)}.xlsx"
    workbook.save(path)

    import_and_check(app, run_import, path, write_mapping(tmp_path, None))
