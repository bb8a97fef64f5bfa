"""Read a CSV or Excel export into a header and rows of cells, as the file has them.

Nothing is coerced: text stays text, and only an Excel workbook's own date
cells arrive as dates. A problem with the whole file raises ImportRejected
at once. Problems with single rows are collected in SourceTable.problems,
so that the import can report every row together.
"""

import codecs
import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from .problems import ImportRejected, Problem, column_letter, show_text
from .values import BYTE_ORDER_MARK, CellValue, is_blank

# Limits for a file of one school's responses, which has some thousands of
# rows at most. They stop a wrong or hostile file from filling the memory.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_XLSX_BYTES = 200 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 1_000

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
# A UTF-8 byte order mark after a round trip through Windows-1252.
MANGLED_BOM = "\u00ef\u00bb\u00bf"


@dataclass(frozen=True)
class SourceRow:
    # The row's number in a spreadsheet: the header is row 1.
    row_number: int
    cells: tuple[CellValue, ...]


@dataclass
class SourceTable:
    """A file's header and data rows, with what reading noticed."""

    file_name: str
    file_sha256: str
    header: list[str]
    rows: list[SourceRow]
    # Data rows read, counting blank rows.
    rows_read: int = 0
    blank_rows: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_source(path: Path, delimiter: str | None = None, sheet: str | None = None):
    """Read a .csv or .xlsx file by its extension; return a SourceTable."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        _reject(
            name,
            f"has the extension {show_text(path.suffix or '(none)')}: import a "
            ".csv (Google Forms, LimeSurvey) or .xlsx (Microsoft Forms) file",
        )
    raw = _read_bytes(path)
    if suffix == ".csv":
        return read_csv(name, raw, delimiter)
    return read_xlsx(name, raw, sheet)


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            _reject(
                path.name,
                f"is {size:,} bytes: split it into files smaller than "
                f"{MAX_FILE_BYTES:,} bytes",
            )
        return path.read_bytes()
    except OSError as error:
        _reject(path.name, f"cannot be read ({error.strerror}): check the path")


def _reject(file_name: str, message: str, **where) -> None:
    raise ImportRejected([Problem(file_name, message, **where)])


# CSV


def read_csv(name: str, raw: bytes, delimiter: str | None = None) -> SourceTable:
    """Read CSV bytes: UTF-8 with or without a BOM, else Windows-1252 with a note."""
    text, notes = _decode(name, raw)
    chosen = delimiter or _check_delimiter(name, text)
    records = _parse_csv(name, text, chosen)
    if delimiter and delimiter != ",":
        notes.append(f"read with the delimiter {show_text(delimiter)} of the mapping")
    table = _build_table(
        name, hashlib.sha256(raw).hexdigest(), records, pad_short_rows=False
    )
    table.notes[:0] = notes
    return table


def _decode(name: str, raw: bytes) -> tuple[str, list[str]]:
    if raw.startswith(XLSX_MAGIC):
        _reject(name, "is an Excel workbook, not CSV: rename it to end in .xlsx")
    if raw.startswith(XLS_MAGIC):
        _reject(
            name,
            "is an old Excel .xls workbook: save it as CSV UTF-8, or as an Excel "
            ".xlsx workbook",
        )
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _reject(
            name,
            "is UTF-16 text (Excel's 'Unicode text'): save it as CSV UTF-8 "
            "(comma delimited)",
        )
    if b"\x00" in raw:
        _reject(
            name,
            "contains NUL bytes, so it is not a text CSV file: export it again as "
            "CSV from the survey tool",
        )
    notes = []
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
        notes.append("UTF-8 with a byte order mark (BOM), which was removed")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError as error:
            _reject(
                name,
                f"is neither UTF-8 nor Windows-1252 text (byte {error.start}): "
                "save it as CSV UTF-8",
            )
        notes.append(
            "not UTF-8, so it was read as Windows-1252 (cp1252): check that "
            "accented letters and curly quotes in the summary look right"
        )
    if text.startswith(MANGLED_BOM):
        _reject(
            name,
            f"begins with {show_text(MANGLED_BOM)}, a byte order mark that was "
            "read as Windows-1252 and saved again: delete those three characters, "
            "or export the file again from the survey tool",
            row=1,
        )
    return text, notes


def _check_delimiter(name: str, text: str) -> str:
    """Return ',' or reject a file whose header splits better on another delimiter."""
    counts = {
        candidate: _header_width(text, candidate) for candidate in (",", ";", "\t")
    }
    best = max(counts, key=counts.get)
    if best != "," and counts[best] > counts[","]:
        label = {";": "semicolon", "\t": "tab"}[best]
        _reject(
            name,
            f"looks {label}-separated: its header has {counts[best]} columns split "
            f"at {label}s but {counts[',']} at commas. Excel set to a European "
            f"language saves CSV this way. Add csv_delimiter: "
            f"{show_text(best)} to the mapping, or save it again as CSV UTF-8 "
            "(comma delimited)",
            row=1,
        )
    return ","


def _header_width(text: str, delimiter: str) -> int:
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return 0
    return len(header)


def _parse_csv(name: str, text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    try:
        for record in reader:
            if len(records) > MAX_ROWS:
                _reject(name, _too_many_rows_message())
            records.append(record)
    except csv.Error as error:
        _reject(
            name,
            f"is not valid CSV near line {reader.line_num} ({error}): a quote "
            "character is probably not closed. Export the file again from the "
            "survey tool",
        )
    return records


def _too_many_rows_message() -> str:
    return (
        f"has more than {MAX_ROWS:,} rows: split it into smaller files, one per "
        "stakeholder group or class"
    )


# Excel


def read_xlsx(name: str, raw: bytes, sheet: str | None = None) -> SourceTable:
    """Read the first (or the named) sheet of a .xlsx workbook as stored values."""
    if raw.startswith(XLS_MAGIC):
        _reject(name, "is an old Excel .xls workbook: save it as .xlsx")
    if not raw.startswith(XLSX_MAGIC):
        _reject(
            name,
            "is not an Excel .xlsx workbook: export it again from the survey tool, "
            "or rename a CSV file to end in .csv",
        )
    _check_unpacked_size(name, raw)
    records, notes, titles = _load_sheet(name, raw, sheet)
    if not records or all(all(is_blank(cell) for cell in row) for row in records):
        chosen = sheet or titles[0]
        others = [title for title in titles if title != chosen]
        fix = "export the responses again from the survey tool"
        if others:
            fix = "set sheet in the mapping to one of " + ", ".join(
                show_text(title) for title in others
            )
        _reject(name, f"sheet {show_text(chosen)} is empty: {fix}")
    table = _build_table(
        name, hashlib.sha256(raw).hexdigest(), records, pad_short_rows=True
    )
    table.notes[:0] = notes
    return table


def _check_unpacked_size(name: str, raw: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        _reject(name, f"is a damaged .xlsx workbook ({error}): export it again")
    if unpacked > MAX_UNPACKED_XLSX_BYTES:
        _reject(
            name,
            f"unpacks to {unpacked:,} bytes, more than {MAX_UNPACKED_XLSX_BYTES:,}: "
            "split it into smaller workbooks",
        )


def _load_sheet(name: str, raw: bytes, sheet: str | None):
    # openpyxl is imported here so that CSV imports do not pay for it.
    import openpyxl

    # openpyxl raises many kinds of error on a damaged workbook (zip, XML,
    # KeyError, TypeError), so every error of loading and reading becomes
    # one message.
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(raw), read_only=True, data_only=True
        )
    except Exception as error:  # noqa: BLE001 - see above
        _reject(
            name,
            f"cannot be read as an Excel workbook ({type(error).__name__}: "
            f"{error}): open it in Excel and save it again as .xlsx",
        )
    try:
        worksheet, notes = _choose_sheet(name, workbook, sheet)
        records = []
        for values in worksheet.iter_rows(values_only=True):
            if len(records) > MAX_ROWS:
                _reject(name, _too_many_rows_message())
            records.append([_xlsx_cell(value) for value in values[: MAX_COLUMNS + 1]])
    except ImportRejected:
        raise
    except Exception as error:  # noqa: BLE001 - see above
        _reject(
            name,
            f"cannot be read as an Excel workbook ({type(error).__name__}: "
            f"{error}): open it in Excel and save it again as .xlsx",
        )
    finally:
        workbook.close()
    return records, notes, workbook.sheetnames


def _choose_sheet(name: str, workbook, sheet: str | None):
    titles = workbook.sheetnames
    if not titles:
        _reject(name, "has no sheets")
    if sheet is None:
        notes = []
        if len(titles) > 1:
            notes.append(
                f"read the first sheet {show_text(titles[0])} of {len(titles)}; "
                "set sheet in the mapping to read another"
            )
        return workbook[titles[0]], notes
    if sheet not in titles:
        _reject(
            name,
            f"has no sheet {show_text(sheet)}: its sheets are "
            f"{', '.join(show_text(title) for title in titles)}",
        )
    return workbook[sheet], []


def _xlsx_cell(value) -> CellValue:
    """Return a stored cell value as text, or as the date or time Excel stored."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date | time | timedelta):
        return value
    return str(value)


# Both formats


def _build_table(
    name: str, sha256: str, records: list[list], pad_short_rows: bool
) -> SourceTable:
    """Check the header and the shape of each row; collect blank rows.

    pad_short_rows is for Excel, which leaves out cells that were never
    written; a CSV row shorter than the header was cut short.
    """
    if not records:
        _reject(name, "is empty: export the responses again from the survey tool")
    if all(is_blank(cell) for cell in records[0]):
        # The header further down would put every row number off.
        _reject(
            name,
            "begins with a blank row: the first row must be the header. Delete "
            "the blank rows above it",
            row=1,
        )
    header_cells = records[0]
    if len(header_cells) > MAX_COLUMNS:
        _reject(
            name,
            f"has {len(header_cells):,} columns, more than {MAX_COLUMNS:,}: remove "
            "columns that are not questions",
        )
    header = [_header_text(cell) for cell in header_cells]
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    table = SourceTable(name, sha256, header[:width], rows=[])
    _check_header(table, header_cells[:width])

    data = records[1:]
    table.rows_read = len(data)
    for row_number, cells in enumerate(data, start=2):
        if all(is_blank(cell) for cell in cells):
            table.blank_rows.append(row_number)
            continue
        if len(cells) > width:
            if not all(is_blank(cell) for cell in cells[width:]):
                _report_long_row(table, row_number, cells, width)
                continue
            cells = cells[:width]
        if len(cells) < width:
            if not pad_short_rows:
                _report_short_row(table, row_number, cells, width)
                continue
            cells = [*cells, *([""] * (width - len(cells)))]
        table.rows.append(SourceRow(row_number, tuple(cells)))
    return table


def _report_short_row(
    table: SourceTable, row_number: int, cells: list, width: int
) -> None:
    table.problems.append(
        Problem(
            table.file_name,
            f"has {len(cells)} cells but the header has {width} columns: the row "
            "was cut short. Export the file again from the survey tool",
            row=row_number,
        )
    )


def _report_long_row(
    table: SourceTable, row_number: int, cells: list, width: int
) -> None:
    extra = len(cells) - width
    table.problems.append(
        Problem(
            table.file_name,
            f"has {len(cells)} cells but the header has {width} columns, so "
            f"{extra} value(s) have no column. A value probably contains the "
            "delimiter without quotes: export the file again from the survey tool",
            row=row_number,
        )
    )


def _header_text(cell: CellValue) -> str:
    if isinstance(cell, str):
        return cell.strip()
    return cell.isoformat() if hasattr(cell, "isoformat") else str(cell)


def _check_header(table: SourceTable, cells: list) -> None:
    seen: dict[str, int] = {}
    for position, text in enumerate(table.header, start=1):
        cell = cells[position - 1]
        if not isinstance(cell, str):
            table.problems.append(
                Problem(
                    table.file_name,
                    "is a date, not a column header: type the header again as text",
                    row=1,
                    column=text,
                    column_number=position,
                )
            )
        if BYTE_ORDER_MARK in text:
            table.problems.append(
                Problem(
                    table.file_name,
                    "contains a byte order mark (BOM) inside the header, which "
                    "happens when files are joined: delete it and type the "
                    "header again",
                    row=1,
                    column=text,
                    column_number=position,
                )
            )
        if not text:
            continue
        if text in seen:
            table.problems.append(
                Problem(
                    table.file_name,
                    f"repeats the header of column {column_letter(seen[text])}. "
                    "Two columns with one header cannot be told apart: rename "
                    "one of them in the file",
                    row=1,
                    column=text,
                    column_number=position,
                )
            )
        else:
            seen[text] = position
