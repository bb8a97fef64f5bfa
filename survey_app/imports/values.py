"""Cell values: label matching and the signs of a value a spreadsheet changed."""

import ipaddress
import re
import unicodedata
from datetime import date, datetime, time, timedelta

# A cell is text, or a date or time that an Excel workbook stores as such.
CellValue = str | datetime | date | time | timedelta

QUOTE_FORMS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
    }
)
WHITESPACE = re.compile(r"\s+")

MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
# Patterns of the text Excel shows after it turned a typed label into a date:
# "1-5" becomes 01-May or 1-May, "3/4" becomes 03-Apr or 04/03/2024, and
# "1-12" becomes Jan-12.
DATE_LIKE_PATTERNS = (
    re.compile(rf"^\d{{1,2}}[-/ ]({MONTHS})([-/ ]\d{{2,4}})?$", re.IGNORECASE),
    re.compile(rf"^({MONTHS})[-/ ]\d{{1,4}}$", re.IGNORECASE),
    re.compile(r"^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}( \d{1,2}:\d{2}(:\d{2})?)?$"),
    re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$"),
)
SPREADSHEET_ERRORS = frozenset(
    {
        "#N/A",
        "#VALUE!",
        "#REF!",
        "#DIV/0!",
        "#NUM!",
        "#NAME?",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
    }
)
URL_PATTERN = re.compile(r"^(https?|ftp)://", re.IGNORECASE)
YEAR_GROUP_PATTERN = re.compile(
    r"^(?:year|yr|y)?\s*(\d{1,2})$",
    re.IGNORECASE,
)
BYTE_ORDER_MARK = "\ufeff"


def normalise_label(text: str) -> str:
    """Return the form of a label used for matching.

    Matching ignores case, surrounding and repeated spaces, compatibility
    forms such as a non-breaking space, and curly against straight quotes, so
    that "Don’t know" in the bank matches "don't know" in a file.
    """
    text = unicodedata.normalize("NFKC", text).translate(QUOTE_FORMS)
    return WHITESPACE.sub(" ", text).strip().casefold()


def is_temporal(value: CellValue) -> bool:
    """Return whether a cell contains a date or time rather than text."""
    return not isinstance(value, str)


def cell_text(value: CellValue) -> str:
    """Return a cell as text: dates and times in ISO 8601."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime) and value.time() == time(0, 0):
        return value.date().isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return value.isoformat()


def is_blank(value: CellValue) -> bool:
    return isinstance(value, str) and not value.strip()


def looks_like_spreadsheet_date(text: str) -> bool:
    """Return whether text looks like a date a spreadsheet made of a label."""
    text = text.strip()
    return any(pattern.match(text) for pattern in DATE_LIKE_PATTERNS)


def is_spreadsheet_error(text: str) -> bool:
    return text.strip().upper() in SPREADSHEET_ERRORS


def has_invisible_characters(text: str) -> bool:
    """Return whether text contains a byte order mark or a control character."""
    return any(
        character == BYTE_ORDER_MARK
        or (unicodedata.category(character) == "Cc" and character not in "\t\r\n")
        for character in text
    )


def parse_year_group(text: str) -> int | None:
    """Return the year in "7", "Year 7", "Yr 7" or "Y7", or None for other text."""
    match = YEAR_GROUP_PATTERN.match(text.strip())
    return int(match.group(1)) if match else None


def looks_like_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return True


def looks_like_url(text: str) -> bool:
    return bool(URL_PATTERN.match(text.strip()))
