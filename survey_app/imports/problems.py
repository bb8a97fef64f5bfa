"""Problems found in an import file or its mapping, each naming where and the fix."""

import re
import unicodedata
from dataclasses import dataclass

EMAIL_PATTERN = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[A-Za-z]{2,}")
MAX_SHOWN_VALUE = 60


@dataclass(frozen=True)
class Problem:
    """One thing that stops an import: where it is, what is wrong and the fix.

    row is the spreadsheet row number (the header is row 1), and column is
    the header text. Either is None when the problem concerns the whole file
    or the mapping.
    """

    file_name: str
    message: str
    row: int | None = None
    column: str | None = None
    column_number: int | None = None

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    @property
    def location(self) -> str:
        parts = [self.file_name]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(describe_column(self.column, self.column_number))
        return ", ".join(parts)


class ImportRejected(Exception):
    """The file or its mapping has problems; nothing was stored."""

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("ImportRejected needs at least one problem")
        self.problems = problems
        super().__init__(format_problems(problems))


def format_problems(problems: list[Problem], limit: int = 50) -> str:
    """Return one line per problem, at most limit lines and a count of the rest."""
    lines = [str(problem) for problem in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more problems")
    return "\n".join(lines)


def column_letter(column_number: int) -> str:
    """Return the spreadsheet letter of a 1-based column number: 1 is A, 27 is AA."""
    letters = ""
    while column_number > 0:
        column_number, remainder = divmod(column_number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def describe_column(header: str, column_number: int | None) -> str:
    """Return a column's letter and header, like: column D "I feel safe"."""
    shown = show_text(header)
    if column_number is None:
        return f"column {shown}"
    return f"column {column_letter(column_number)} {shown}"


def show_value(value: str) -> str:
    """Return a cell value for a message: quoted, shortened, control characters
    escaped, and an email address replaced so that it is not repeated."""
    if EMAIL_PATTERN.search(value):
        return "(an email address, not shown)"
    return show_text(value)


def show_text(text: str) -> str:
    """Return text quoted, with invisible characters escaped and long text cut."""
    escaped = "".join(_escape_character(character) for character in text)
    if len(escaped) > MAX_SHOWN_VALUE:
        escaped = escaped[: MAX_SHOWN_VALUE - 1] + "…"
    return f'"{escaped}"'


def _escape_character(character: str) -> str:
    if character in "\t\r\n":
        return {"\t": "\\t", "\r": "\\r", "\n": "\\n"}[character]
    if unicodedata.category(character) in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"):
        return f"\\u{ord(character):04x}"
    return character
