"""Exports in CSV, Excel and Parquet: neutralised formulas, numbers and suppression."""

import csv
import io
import math

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.exports import (
    Column,
    ExportError,
    SuppressionLeakError,
    export_bytes,
    export_csv,
    export_parquet,
    export_xlsx,
    safe_download_name,
    send_export,
)

COLUMNS = [
    Column("school_name", "School"),
    Column("academic_year", "Academic year"),
    Column("component_id", "Component"),
    Column("n_respondents", "Respondents", "integer"),
    Column("score", "Score", "decimal"),
    Column("change", "Change since last year", "decimal"),
    Column("pct_positive", "Positive answers", "percent"),
]
ROWS = [
    {
        "school_name": "Hilltop Primary",
        "academic_year": "2024/25",
        "component_id": "C1",
        "n_respondents": 42,
        "score": 71.25,
        "change": -3.5,
        "pct_positive": 64.3,
        "is_suppressed": False,
        "suppression_reason": None,
    },
    {
        "school_name": '=HYPERLINK("http://evil.example","Click")',
        "academic_year": "1/2",
        "component_id": "3-4",
        "n_respondents": None,
        "score": None,
        "change": None,
        "pct_positive": None,
        "is_suppressed": True,
        "suppression_reason": "below_threshold",
    },
    {
        "school_name": "+44 1234",
        "academic_year": "2023/24",
        "component_id": "@SUM(A1)",
        "n_respondents": None,
        "score": None,
        "change": None,
        "pct_positive": None,
        "is_suppressed": True,
        "suppression_reason": "complementary",
    },
]
FORMULA_TEXTS = ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"]


def read_csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return workbook.active


def stored_text(cell) -> str:
    """Return a text cell's value with the OOXML escape of a carriage return
    decoded: xlsxwriter writes \r as _x000D_ and openpyxl reads it back as is."""
    return cell.value.replace("_x000D_", "\r")


def test_csv_starts_with_bom_and_uses_crlf():
    data = export_csv(ROWS, COLUMNS, disclosure_threshold=10)

    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 4
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_csv_header_and_figures():
    rows = read_csv_rows(export_csv(ROWS, COLUMNS, disclosure_threshold=10))

    assert rows[0] == [
        "School",
        "Academic year",
        "Component",
        "Respondents",
        "Score",
        "Change since last year",
        "Positive answers",
        "Note",
    ]
    assert rows[1] == [
        "Hilltop Primary",
        "2024/25",
        "C1",
        "42",
        "71.25",
        "-3.5",
        "64.3",
        "",
    ]


def test_csv_negative_number_is_bare_number():
    data = export_csv(ROWS, COLUMNS, disclosure_threshold=10).decode("utf-8-sig")

    assert ",-3.5," in data
    assert "'-3.5" not in data
    parsed = list(
        csv.reader(io.StringIO(data, newline=""), quoting=csv.QUOTE_NONNUMERIC)
    )
    assert parsed[1][5] == -3.5


def test_csv_formula_cells_are_neutralised():
    rows = read_csv_rows(export_csv(ROWS, COLUMNS, disclosure_threshold=10))

    assert rows[2][0] == '\'=HYPERLINK("http://evil.example","Click")'
    assert rows[3][0] == "'+44 1234"
    assert rows[3][2] == "'@SUM(A1)"


@pytest.mark.parametrize("text", FORMULA_TEXTS)
def test_csv_every_formula_prefix_is_neutralised(text):
    rows = read_csv_rows(export_csv([{"name": text}], [Column("name", "Name")]))

    assert rows[1] == ["'" + text]


def test_csv_suppressed_rows_are_blank_with_note():
    rows = read_csv_rows(export_csv(ROWS, COLUMNS, disclosure_threshold=10))

    assert rows[2][3:7] == ["", "", "", ""]
    assert rows[2][7] == "Suppressed: fewer than 10 responses"
    assert rows[3][3:7] == ["", "", "", ""]
    assert rows[3][7] == (
        "Suppressed: hidden so that a group of fewer than 10 responses cannot be "
        "worked out"
    )


def test_xlsx_numbers_are_numeric_cells():
    sheet = read_xlsx(export_xlsx(ROWS, COLUMNS, disclosure_threshold=10))

    assert sheet["D2"].value == 42
    assert sheet["D2"].data_type == "n"
    assert sheet["E2"].value == 71.25
    assert sheet["F2"].value == -3.5
    assert sheet["F2"].data_type == "n"
    assert sheet["G2"].value == 64.3
    assert sheet["G2"].number_format == '0.0"%"'


def test_xlsx_date_like_labels_stay_text():
    sheet = read_xlsx(export_xlsx(ROWS, COLUMNS, disclosure_threshold=10))

    for reference, expected in (("B2", "2024/25"), ("B3", "1/2"), ("C3", "3-4")):
        assert sheet[reference].value == expected
        assert sheet[reference].data_type == "s"


def test_xlsx_formula_cells_are_quoted_text():
    sheet = read_xlsx(export_xlsx(ROWS, COLUMNS, disclosure_threshold=10))

    # Text cells with Excel's quote prefix: shown as typed, never run.
    assert sheet["A3"].value == '=HYPERLINK("http://evil.example","Click")'
    assert sheet["A3"].data_type == "s"
    assert sheet["A3"].quotePrefix
    assert sheet["A4"].value == "+44 1234"
    assert sheet["A4"].quotePrefix
    assert sheet["C4"].value == "@SUM(A1)"
    assert sheet["C4"].quotePrefix
    assert not sheet["A2"].quotePrefix
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


@pytest.mark.parametrize("text", FORMULA_TEXTS)
def test_xlsx_every_formula_prefix_is_quoted_text(text):
    sheet = read_xlsx(export_xlsx([{"name": text}], [Column("name", text)]))

    for reference in ("A1", "A2"):
        assert stored_text(sheet[reference]) == text
        assert sheet[reference].data_type == "s"
        assert sheet[reference].quotePrefix


def test_column_titles_replace_codes_in_every_format():
    titles = {"all_through": "All-through schools", "all": "All schools"}
    columns = [Column("phase", "Schools", titles=titles)]
    rows = [{"phase": "all_through"}, {"phase": "all"}, {"phase": "unknown"}]
    expected = ["All-through schools", "All schools", "unknown"]

    csv_rows = read_csv_rows(export_csv(rows, columns))
    sheet = read_xlsx(export_xlsx(rows, columns))
    table = pq.read_table(io.BytesIO(export_parquet(rows, columns)))

    assert [row[0] for row in csv_rows[1:]] == expected
    assert [sheet.cell(number, 1).value for number in (2, 3, 4)] == expected
    assert table.column("phase").to_pylist() == expected


def test_xlsx_header_is_frozen_and_sized():
    sheet = read_xlsx(export_xlsx(ROWS, COLUMNS, disclosure_threshold=10))

    assert [cell.value for cell in sheet[1]] == [
        "School",
        "Academic year",
        "Component",
        "Respondents",
        "Score",
        "Change since last year",
        "Positive answers",
        "Note",
    ]
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width > 20
    assert sheet.column_dimensions["H"].width > 30
    assert sheet.column_dimensions["D"].width >= 8


def test_xlsx_suppressed_rows_are_blank_with_note():
    sheet = read_xlsx(export_xlsx(ROWS, COLUMNS, disclosure_threshold=10))

    assert [sheet.cell(3, column).value for column in range(4, 8)] == [None] * 4
    assert sheet["H3"].value == "Suppressed: fewer than 10 responses"
    assert sheet["H2"].value is None


def test_parquet_round_trip_keeps_types_and_labels():
    data = export_parquet(ROWS, COLUMNS, disclosure_threshold=10)

    table = pq.read_table(io.BytesIO(data))
    assert table.schema.field("n_respondents").type == pa.int64()
    assert table.schema.field("score").type == pa.float64()
    assert table.schema.field("school_name").type == pa.string()
    assert table.schema.field("score").metadata[b"label"] == b"Score"
    records = table.to_pylist()
    assert records[0] == {
        "school_name": "Hilltop Primary",
        "academic_year": "2024/25",
        "component_id": "C1",
        "n_respondents": 42,
        "score": 71.25,
        "change": -3.5,
        "pct_positive": 64.3,
        "suppression_note": None,
    }
    assert records[1]["n_respondents"] is None
    assert records[1]["suppression_note"] == "Suppressed: fewer than 10 responses"
    # Parquet is data, not a spreadsheet: text is kept as given.
    assert records[1]["school_name"].startswith("=HYPERLINK")


def test_duckdb_relation_and_arrow_table_are_accepted():
    connection = duckdb.connect()
    relation = connection.sql(
        "select 'Hilltop' as school_name, 12 as n, 55.5::decimal(5, 1) as score, "
        "false as is_suppressed, -2.25 as change"
    )
    columns = [
        Column("school_name", "School"),
        Column("n", "Respondents", "integer"),
        Column("score", "Score", "decimal"),
        Column("change", "Change", "decimal"),
    ]

    from_relation = read_csv_rows(export_csv(relation, columns))
    arrow = pa.table(
        {
            "school_name": ["Hilltop"],
            "n": [12],
            "score": [55.5],
            "is_suppressed": [False],
            "change": [-2.25],
        }
    )
    from_arrow = read_csv_rows(export_csv(arrow, columns))

    assert from_relation[1] == ["Hilltop", "12", "55.5", "-2.25", ""]
    assert from_arrow == from_relation


def test_suppressed_row_with_figures_is_rejected():
    leaking = [{**ROWS[1], "score": 12.5}]

    for export_format in ("csv", "xlsx", "parquet"):
        with pytest.raises(SuppressionLeakError) as caught:
            export_bytes(leaking, COLUMNS, export_format, disclosure_threshold=10)
        assert "row 1 is suppressed but has figures (score=12.5)" in str(caught.value)


def test_suppressed_row_with_hidden_mart_figure_is_rejected():
    leaking = [{**ROWS[1], "n_excluded": 3}]
    columns = COLUMNS[:3]

    with pytest.raises(SuppressionLeakError) as caught:
        export_csv(leaking, columns, disclosure_threshold=10)

    assert "n_excluded=3" in str(caught.value)


def test_unsuppressible_column_is_kept():
    columns = [Column("number_on_roll", "On roll", "integer", suppressible=False)]
    rows = [{"number_on_roll": 200, "is_suppressed": True}]

    assert read_csv_rows(export_csv(rows, columns, disclosure_threshold=10))[1] == [
        "200",
        "Suppressed: fewer than 10 responses",
    ]


def test_suppressed_row_needs_threshold():
    with pytest.raises(ExportError) as caught:
        export_csv(ROWS, COLUMNS)

    assert "no disclosure_threshold was given" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", "'12' is not a number, but the column type is integer"),
        (True, "True is not a number, but the column type is integer"),
        (2.5, "2.5 is not a whole number: use the type decimal"),
        (math.inf, "inf is not a finite number"),
    ],
)
def test_bad_number_is_rejected(value, expected):
    with pytest.raises(ExportError) as caught:
        export_csv([{"n": value}], [Column("n", "N", "integer")])

    assert expected in str(caught.value)


def test_missing_column_is_rejected():
    with pytest.raises(ExportError) as caught:
        export_csv([{"name": "x"}], [Column("school_name", "School")])

    assert str(caught.value) == "row 1 has no 'school_name': the row has name"


def test_nan_is_written_blank():
    rows = read_csv_rows(
        export_csv([{"score": math.nan}], [Column("score", "S", "decimal")])
    )

    assert rows[1] == [""]


def test_unknown_column_type_is_rejected():
    with pytest.raises(ValueError, match="use one of text, integer, decimal, percent"):
        Column("score", "Score", "float")


@pytest.mark.parametrize(
    ("filename", "extension", "expected"),
    [
        ("Hilltop Primary 2024/25", "xlsx", "Hilltop-Primary-2024-25.xlsx"),
        ("results.csv", "csv", "results.csv"),
        ("../../etc/passwd", "csv", "etc-passwd.csv"),
        ('a"b\r\nSet-Cookie: x=1', "csv", "a-b-Set-Cookie-x-1.csv"),
        ("Zoë’s school", "parquet", "Zoes-school.parquet"),
        ("", "csv", "export.csv"),
        ("...", "xlsx", "export.xlsx"),
        ("x" * 300, "csv", "x" * 100 + ".csv"),
    ],
)
def test_safe_download_name(filename, extension, expected):
    assert safe_download_name(filename, extension) == expected


@pytest.mark.parametrize(
    ("export_format", "content_type", "magic"),
    [
        ("csv", "text/csv; charset=utf-8", b"\xef\xbb\xbf"),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            b"PK\x03\x04",
        ),
        ("parquet", "application/vnd.apache.parquet", b"PAR1"),
    ],
)
def test_send_export_response(app, export_format, content_type, magic):
    def download():
        return send_export(
            ROWS,
            COLUMNS,
            export_format,
            'Hilltop "results" 2024/25',
            disclosure_threshold=10,
        )

    app.add_url_rule("/test-download", view_func=download)
    response = app.test_client().get("/test-download")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=Hilltop-results-2024-25.{export_format}"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(magic)


def test_send_export_rejects_unknown_format():
    with pytest.raises(ValueError, match="use one of csv, xlsx, parquet"):
        send_export(ROWS, COLUMNS, "pdf", "results", disclosure_threshold=10)


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
numbers = st.one_of(
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
)


@settings(max_examples=50, deadline=None)
@given(rows=st.lists(st.tuples(texts, numbers), min_size=1, max_size=10))
def test_any_text_is_inert_and_numbers_stay_numbers(rows):
    columns = [Column("label", "Label"), Column("value", "Value", "decimal")]
    records = [{"label": label, "value": value} for label, value in rows]

    csv_rows = read_csv_rows(export_csv(records, columns))[1:]
    for (label, value), (csv_label, csv_value) in zip(rows, csv_rows, strict=True):
        expected = (
            "'" + label if label[:1] in ("=", "+", "-", "@", "\t", "\r") else label
        )
        assert csv_label == expected
        assert csv_value == ("" if value is None else repr(value))

    sheet = read_xlsx(export_xlsx(records, columns))
    for row_number, (label, value) in enumerate(rows, start=2):
        label_cell = sheet.cell(row_number, 1)
        value_cell = sheet.cell(row_number, 2)
        assert label_cell.data_type in ("s", "n")
        assert label_cell.data_type != "f"
        if label:
            assert label_cell.data_type == "s"
        if value is None:
            assert value_cell.value is None
        else:
            assert value_cell.data_type == "n"
            assert value_cell.value == pytest.approx(value)
