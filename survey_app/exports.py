"""Download tables as CSV, Excel or Parquet, with suppression kept.

The results, self-review and borough pages pass rows (dicts, a DuckDB
relation or an Arrow table) and column definitions. Every format writes the
figures it is given and nothing else:

- A row whose is_suppressed is true must have null figures; the export
  raises SuppressionLeakError otherwise, rather than write a hidden number.
  Such a row gets a note "Suppressed: fewer than N responses" in a last
  column.
- Text that a spreadsheet would run as a formula (starting with =, +, -, @,
  tab or carriage return) gets a leading apostrophe in CSV, as OWASP's
  guidance on CSV injection recommends. Excel gets the text unchanged in a
  text cell marked with Excel's quote prefix, which shows no apostrophe and
  keeps the cell text when someone edits it. Numbers stay numbers.
- A column with titles writes the title the page shows in place of each
  code, such as "All-through schools" for all_through.
- Percent values are 0 to 100, as in the marts.

NOTE: a CSV file cannot stop Excel from reading text such as "1/2" or
"3-4" as a date when it opens the file. The Excel export writes such labels
as text cells, so offer it alongside CSV wherever labels look like that.
"""

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter
from flask import Response

COLUMN_TYPES = ("text", "integer", "decimal", "percent")
NUMERIC_TYPES = ("integer", "decimal", "percent")
# Characters that make Excel, LibreOffice or Google Sheets read a cell as a
# formula (OWASP, "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Indicator and count figures of the marts that are null in a suppressed row.
# They are checked even when the export does not show them, because a value
# there means the suppression upstream failed.
MART_FIGURES = (
    "n_respondents",
    "score",
    "ci_lower",
    "ci_upper",
    "pct_positive",
    "dont_know_rate",
    "n_excluded",
    "cronbach_alpha",
    "n_items",
    "n_responses",
    "response_rate",
)
SUPPRESSION_NOTE_NAME = "suppression_note"
SUPPRESSION_NOTE_LABEL = "Note"
MAX_COLUMN_WIDTH = 60
MIN_COLUMN_WIDTH = 8


@dataclass(frozen=True)
class ExportFormat:
    extension: str
    content_type: str


FORMATS = {
    "csv": ExportFormat("csv", "text/csv; charset=utf-8"),
    "xlsx": ExportFormat(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "parquet": ExportFormat("parquet", "application/vnd.apache.parquet"),
}


@dataclass(frozen=True)
class Column:
    """One exported column: the row key, its heading and its type."""

    name: str
    label: str
    type: str = "text"
    # Decimal places that Excel shows for decimal and percent columns; the
    # stored value keeps every digit.
    decimals: int = 1
    # False for a figure that suppression does not hide, such as the number
    # on roll, which describes the school rather than its respondents.
    suppressible: bool = True
    # For a text column of codes: the title written in place of each code,
    # as the page shows it. A value without a title is written unchanged.
    titles: Mapping[str, str] | None = field(default=None, hash=False)

    def __post_init__(self):
        if self.type not in COLUMN_TYPES:
            raise ValueError(
                f"column {self.name!r} has type {self.type!r}: use one of "
                f"{', '.join(COLUMN_TYPES)}"
            )

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES


class ExportError(ValueError):
    """The rows do not fit the columns; nothing was written."""


class SuppressionLeakError(ExportError):
    """A row marked suppressed carries figures; nothing was written."""


@dataclass(frozen=True)
class _Table:
    """Checked rows: one value per column, numbers as int or float, text as str."""

    columns: tuple[Column, ...]
    rows: list[list]


def export_bytes(
    rows,
    columns: Iterable[Column],
    export_format: str,
    *,
    disclosure_threshold: int | None = None,
) -> bytes:
    """Return the rows in one of FORMATS: csv, xlsx or parquet."""
    writers = {"csv": export_csv, "xlsx": export_xlsx, "parquet": export_parquet}
    if export_format not in writers:
        raise ValueError(
            f"export format {export_format!r} is not known: use one of "
            f"{', '.join(writers)}"
        )
    return writers[export_format](
        rows, columns, disclosure_threshold=disclosure_threshold
    )


def export_csv(
    rows, columns: Iterable[Column], *, disclosure_threshold: int | None = None
) -> bytes:
    """Return UTF-8 CSV with a byte order mark and CRLF line ends.

    The byte order mark makes Excel read the file as UTF-8, so that names
    like "Zoë" or "St Mary’s" keep their letters.
    """
    table = _prepare(rows, columns, disclosure_threshold)
    buffer = io.StringIO()
    # QUOTE_NONNUMERIC quotes every text cell and leaves numbers bare.
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([neutralise_formula(column.label) for column in table.columns])
    for row in table.rows:
        writer.writerow(
            [
                _csv_value(value, column)
                for value, column in zip(row, table.columns, strict=True)
            ]
        )
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _csv_value(value, column: Column):
    if value is None:
        return ""
    if column.is_numeric:
        return value
    return neutralise_formula(value)


def export_xlsx(
    rows,
    columns: Iterable[Column],
    *,
    disclosure_threshold: int | None = None,
    sheet_name: str = "Export",
) -> bytes:
    """Return an Excel workbook: a frozen header row, numeric cells for figures,
    and text cells that Excel never turns into dates or formulas."""
    table = _prepare(rows, columns, disclosure_threshold)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            # xlsxwriter's write() would otherwise turn "=..." into a formula
            # and "http://..." into a link. The code below calls only
            # write_string, and these options keep a later change safe too.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = workbook.add_worksheet(_sheet_name(sheet_name))
    header = {"bold": True, "text_wrap": True, "valign": "top", "bottom": 1}
    header_format = workbook.add_format(header)
    # Excel's quote prefix marks a text cell that looks like a formula: the
    # cell shows the text as it is, and stays text if someone edits it.
    quoted_header_format = workbook.add_format({**header, "quote_prefix": True})
    cell_formats = [_cell_format(workbook, column) for column in table.columns]
    quoted_formats = [
        _cell_format(workbook, column, quote_prefix=True) for column in table.columns
    ]

    for position, column in enumerate(table.columns):
        label_format = (
            quoted_header_format if _is_formula_like(column.label) else header_format
        )
        sheet.write_string(0, position, column.label, label_format)
    for row_number, row in enumerate(table.rows, start=1):
        for position, value in enumerate(row):
            column = table.columns[position]
            cell_format = cell_formats[position]
            if value is None:
                sheet.write_blank(row_number, position, None, cell_format)
            elif column.is_numeric:
                sheet.write_number(row_number, position, value, cell_format)
            elif _is_formula_like(value):
                sheet.write_string(
                    row_number, position, value, quoted_formats[position]
                )
            else:
                sheet.write_string(row_number, position, value, cell_format)

    for position in range(len(table.columns)):
        sheet.set_column(position, position, _column_width(table, position))
    sheet.freeze_panes(1, 0)
    last_column = max(len(table.columns) - 1, 0)
    sheet.autofilter(0, 0, max(len(table.rows), 1), last_column)
    # Labels like "2024/25" or "1/2" are meant as text: hide Excel's warning.
    sheet.ignore_errors({"number_stored_as_text": "A1:XFD1048576"})
    workbook.close()
    return buffer.getvalue()


def _cell_format(workbook, column: Column, *, quote_prefix: bool = False):
    decimals = "0." + "0" * column.decimals if column.decimals > 0 else "0"
    number_formats = {
        # "@" keeps a cell text when someone edits it in Excel later.
        "text": "@",
        "integer": "0",
        "decimal": decimals,
        "percent": f'{decimals}"%"',
    }
    return workbook.add_format(
        {"num_format": number_formats[column.type], "quote_prefix": quote_prefix}
    )


def _column_width(table: _Table, position: int) -> int:
    column = table.columns[position]
    longest = max(
        [len(column.label) * 0.9]
        + [len(_shown(row[position], column)) for row in table.rows[:1000]]
    )
    return int(min(max(longest + 2, MIN_COLUMN_WIDTH), MAX_COLUMN_WIDTH))


def _shown(value, column: Column) -> str:
    if value is None:
        return ""
    if column.type == "integer":
        return str(value)
    if column.is_numeric:
        return f"{value:.{column.decimals}f}"
    return max(str(value).splitlines() or [""], key=len)


def _sheet_name(name: str) -> str:
    """Return a valid Excel sheet name: no []:*?/\\ and at most 31 characters."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "-", name).strip("'") or "Export"
    return cleaned[:31]


def export_parquet(
    rows, columns: Iterable[Column], *, disclosure_threshold: int | None = None
) -> bytes:
    """Return a Parquet file with typed columns; each field's label is in its
    metadata. Text is written as given, because Parquet is not opened by a
    spreadsheet directly."""
    table = _prepare(rows, columns, disclosure_threshold)
    arrow_types = {
        "text": pa.string(),
        "integer": pa.int64(),
        "decimal": pa.float64(),
        "percent": pa.float64(),
    }
    fields = [
        pa.field(
            column.name,
            arrow_types[column.type],
            metadata={"label": column.label, "type": column.type},
        )
        for column in table.columns
    ]
    arrays = [
        pa.array([row[position] for row in table.rows], type=field.type)
        for position, field in enumerate(fields)
    ]
    arrow_table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    buffer = io.BytesIO()
    pq.write_table(arrow_table, buffer)
    return buffer.getvalue()


def send_export(
    rows,
    columns: Iterable[Column],
    format: str,
    filename: str,
    *,
    disclosure_threshold: int | None = None,
) -> Response:
    """Return a download response of the rows with a safe attachment file name."""
    if format not in FORMATS:
        raise ValueError(
            f"export format {format!r} is not known: use one of {', '.join(FORMATS)}"
        )
    export_format = FORMATS[format]
    data = export_bytes(
        rows, columns, format, disclosure_threshold=disclosure_threshold
    )
    response = Response(data, content_type=export_format.content_type)
    response.headers.set(
        "Content-Disposition",
        "attachment",
        filename=safe_download_name(filename, export_format.extension),
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A school's results belong to the signed-in user, not to shared caches.
    response.headers["Cache-Control"] = "no-store"
    return response


def safe_download_name(filename: str, extension: str) -> str:
    """Return an ASCII file name of letters, digits, dots, dashes and underscores,
    ending in .extension, like "hilltop-primary-2024-25.xlsx"."""
    ascii_name = (
        unicodedata.normalize("NFKD", filename or "")
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name)
    stem = re.sub(r"-{2,}", "-", stem).strip(".-_")
    if stem.lower().endswith(f".{extension}"):
        stem = stem[: -len(extension) - 1].rstrip(".-_")
    stem = stem[:100].rstrip(".-_") or "export"
    return f"{stem}.{extension}"


def neutralise_formula(text: str) -> str:
    """Return text with an apostrophe in front if a spreadsheet would run it."""
    if _is_formula_like(text):
        return "'" + text
    return text


def _is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def suppression_note(reason: str | None, disclosure_threshold: int) -> str:
    """Return the note shown in place of a suppressed row's figures."""
    if reason == "complementary":
        return (
            f"Suppressed: hidden so that a group of fewer than "
            f"{disclosure_threshold} responses cannot be worked out"
        )
    if reason == "too_few_schools":
        # A borough figure of one or two schools would show each school's own.
        return "Suppressed: built from too few schools"
    return f"Suppressed: fewer than {disclosure_threshold} responses"


# Checks


def _prepare(
    rows, columns: Iterable[Column], disclosure_threshold: int | None
) -> _Table:
    """Check every row against the columns and the suppression rule."""
    columns = tuple(columns)
    if not columns:
        raise ExportError("no columns given: pass at least one Column")
    names = [column.name for column in columns]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ExportError(f"column(s) {', '.join(repeated)} given twice: keep one")
    if disclosure_threshold is not None and (
        isinstance(disclosure_threshold, bool)
        or not isinstance(disclosure_threshold, int)
        or disclosure_threshold < 1
    ):
        raise ExportError(
            f"disclosure_threshold {disclosure_threshold!r} is not valid: pass the "
            "whole number from marts.settings"
        )
    records = _records(rows)
    has_suppression = any("is_suppressed" in record for record in records)
    output_columns = columns
    if has_suppression:
        output_columns = (
            *columns,
            Column(SUPPRESSION_NOTE_NAME, SUPPRESSION_NOTE_LABEL, "text"),
        )

    checked = []
    for row_number, record in enumerate(records, start=1):
        values = [_value(record, column, row_number) for column in columns]
        if has_suppression:
            note = None
            if record.get("is_suppressed"):
                _check_suppressed(record, columns, values, row_number)
                if disclosure_threshold is None:
                    raise ExportError(
                        f"row {row_number} is suppressed but no disclosure_threshold "
                        "was given: pass the threshold from marts.settings, so the "
                        "note can say how many responses a group needs"
                    )
                note = suppression_note(
                    record.get("suppression_reason"), disclosure_threshold
                )
            values.append(note)
        checked.append(values)
    return _Table(output_columns, checked)


def _records(rows) -> list[Mapping]:
    """Return rows as a list of mappings, from dicts, DuckDB or Arrow."""
    if isinstance(rows, pa.Table):
        return rows.to_pylist()
    # DuckDB relations, Arrow readers and other Arrow stream sources.
    if hasattr(rows, "__arrow_c_stream__"):
        return pa.table(rows).to_pylist()
    records = list(rows)
    for row_number, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            raise ExportError(
                f"row {row_number} is a {type(record).__name__}, not a mapping: "
                "pass dicts, a DuckDB relation or an Arrow table"
            )
    return records


def _value(record: Mapping, column: Column, row_number: int):
    if column.name not in record:
        raise ExportError(
            f"row {row_number} has no {column.name!r}: the row has "
            f"{', '.join(map(str, record)) or 'no keys'}"
        )
    value = record[column.name]
    if value is None:
        return None
    if column.type == "text":
        text = value if isinstance(value, str) else str(value)
        if column.titles is not None:
            return column.titles.get(text, text)
        return text
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ExportError(
            f"row {row_number}, column {column.name!r}: {value!r} is not a number, "
            f"but the column type is {column.type}"
        )
    if isinstance(value, float | Decimal) and math.isnan(value):
        return None
    if isinstance(value, float | Decimal) and math.isinf(value):
        raise ExportError(
            f"row {row_number}, column {column.name!r}: {value} is not a finite "
            "number; fix the query that produced it"
        )
    if column.type == "integer":
        if value != int(value):
            raise ExportError(
                f"row {row_number}, column {column.name!r}: {value} is not a whole "
                "number: use the type decimal"
            )
        return int(value)
    return float(value)


def _check_suppressed(
    record: Mapping, columns: tuple[Column, ...], values: list, row_number: int
) -> None:
    figures = {
        column.name: value
        for column, value in zip(columns, values, strict=True)
        if column.is_numeric and column.suppressible and value is not None
    }
    for name in MART_FIGURES:
        value = record.get(name)
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            figures.setdefault(name, value)
    if figures:
        shown = ", ".join(f"{name}={value!r}" for name, value in figures.items())
        raise SuppressionLeakError(
            f"row {row_number} is suppressed but has figures ({shown}): a suppressed "
            "row must have null figures. Export the marts' rows as they are, and "
            "check the query for a join or coalesce that filled them"
        )
