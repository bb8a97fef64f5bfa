"""Map a file's rows to responses: answers, year group and date, nothing else.

Every column that is not mapped to a question or the year group is dropped
here, before anything reaches the database. The date column gives only the
date in Europe/London, and the start column only the too-fast flag.
"""

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from ..calendar import LONDON, academic_year_bounds
from .dates import TimestampError, parse_timestamp
from .mapping import DONT_KNOW, UNANSWERED, AnswerCode, ImportMapping, LabelMap
from .problems import EMAIL_PATTERN, Problem, column_letter, show_text, show_value
from .readers import SourceRow, SourceTable
from .tools import START_REASON, TIME_REASON
from .values import (
    CellValue,
    cell_text,
    has_invisible_characters,
    is_blank,
    is_spreadsheet_error,
    is_temporal,
    looks_like_ip_address,
    looks_like_spreadsheet_date,
    looks_like_url,
    normalise_label,
    parse_year_group,
)

NAME_HEADER = re.compile(r"\bnames?\b", re.IGNORECASE)
EMAIL_HEADER = re.compile(r"e-?mail", re.IGNORECASE)
# Problems kept in full. Beyond this many only a count is kept, so that a
# wrong mapping on a big file does not build a message of a million lines.
MAX_PROBLEMS = 1_000


@dataclass(frozen=True)
class BankGroup:
    """The parts of one group's questionnaire in a bank version that imports use."""

    bank_version: str
    stakeholder_group: str
    question_ids: tuple[str, ...]
    points: int
    scale_labels: tuple[str, ...]
    dont_know_label: str | None
    # School years of the group's respondents, or empty for adult groups.
    year_groups: tuple[int, ...]

    def default_answers(self) -> LabelMap:
        """Return the scale's own labels, used when the mapping gives none."""
        codes: dict[str, AnswerCode] = {
            normalise_label(label): value
            for value, label in enumerate(self.scale_labels, start=1)
        }
        labels = list(self.scale_labels)
        if self.dont_know_label:
            codes[normalise_label(self.dont_know_label)] = DONT_KNOW
            labels.append(self.dont_know_label)
        return LabelMap(codes=codes, labels=tuple(labels))


@dataclass(frozen=True)
class MappedResponse:
    row_number: int
    submitted_on: date
    year_group: int | None
    # (question_id, value) sorted by question_id; value None is don't know.
    answers: tuple[tuple[str, int | None], ...]
    is_too_fast: bool


@dataclass(frozen=True)
class DroppedColumn:
    column_number: int
    header: str
    reason: str

    def __str__(self) -> str:
        return (
            f"{column_letter(self.column_number)} {show_text(self.header)}: "
            f"{self.reason}"
        )


@dataclass
class MappedRows:
    responses: list[MappedResponse] = field(default_factory=list)
    dropped_columns: list[DroppedColumn] = field(default_factory=list)
    rows_without_answers: list[int] = field(default_factory=list)
    incomplete_rows: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problems_not_kept: int = 0

    def add_problem(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.problems_not_kept += 1


def check_mapping_against_bank(
    mapping: ImportMapping, bank: BankGroup
) -> list[Problem]:
    """Return problems of a mapping whose questions or values the bank lacks."""
    problems = []

    def problem(message: str) -> None:
        problems.append(Problem(mapping.file_name, message))

    known = set(bank.question_ids)
    mapped_from: dict[str, str] = {}
    for question in mapping.questions:
        if question.question_id not in known:
            close = difflib.get_close_matches(question.question_id, bank.question_ids)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            problem(
                f"question_id {show_text(question.question_id)} of column "
                f"{show_text(question.column)} is not in question bank "
                f"{bank.bank_version} for {bank.stakeholder_group}.{hint}"
            )
        elif question.question_id in mapped_from:
            problem(
                f"question_id {question.question_id} is mapped from two columns, "
                f"{show_text(mapped_from[question.question_id])} and "
                f"{show_text(question.column)}: map each question from one column"
            )
        else:
            mapped_from[question.question_id] = question.column
    label_maps = [("answers", mapping.answers)] + [
        (f"answers of column {show_text(question.column)}", question.answers)
        for question in mapping.questions
    ]
    for where, label_map in label_maps:
        if label_map is None:
            continue
        for label, code in zip(label_map.labels, label_map.codes.values(), strict=True):
            if isinstance(code, int) and not 1 <= code <= bank.points:
                problem(
                    f"{where}: label {show_text(label)} maps to {code}, but the "
                    f"{bank.stakeholder_group} scale of bank {bank.bank_version} "
                    f"has values 1 to {bank.points}"
                )
            if code == DONT_KNOW and not bank.dont_know_label:
                problem(
                    f"{where}: label {show_text(label)} maps to {DONT_KNOW}, but "
                    f"the {bank.stakeholder_group} scale has no don't-know option"
                )
    if mapping.year_group is not None and not bank.year_groups:
        problem(
            f"year_group is only for pupils, not {bank.stakeholder_group}: remove "
            "it, and the column is dropped"
        )
    return problems


def map_rows(
    table: SourceTable,
    mapping: ImportMapping,
    bank: BankGroup,
    default_date: date,
    today: date,
    min_seconds_per_question: float,
) -> MappedRows:
    """Map every row to a response, or collect the problems that prevent it.

    default_date is the date of a response without one: the window's closing
    date, or today if that is later.
    """
    result = MappedRows()
    columns = _ColumnFinder(table, mapping.file_name, result)
    question_columns = [
        (columns.find(question.column, "questions"), question)
        for question in mapping.questions
    ]
    year_column = None
    if mapping.year_group is not None:
        year_column = columns.find(mapping.year_group.column, "year_group")
    date_column = None
    if mapping.date_column is not None:
        date_column = columns.find(
            mapping.date_column, "date_column", tool_default=mapping.layout
        )
    start_column = None
    if mapping.layout.start_column:
        start_column = columns.find_optional(mapping.layout.start_column)
    used = {index for index, _ in question_columns if index is not None}
    if year_column is not None:
        used.add(year_column)
    result.dropped_columns = _dropped_columns(
        table, mapping, used, date_column, start_column
    )
    if result.problems:
        return result

    first_day, last_day = academic_year_bounds(mapping.academic_year)
    default_answers = mapping.answers or bank.default_answers()
    context = _RowContext(
        table.file_name,
        table.header,
        mapping,
        bank,
        first_day,
        last_day,
        default_date,
        today,
        min_seconds_per_question,
    )
    for row in table.rows:
        if date_column is not None and _is_incomplete(row, date_column, mapping):
            result.incomplete_rows.append(row.row_number)
            continue
        answers = []
        for index, question in question_columns:
            label_map = question.answers or default_answers
            value = context.read_answer(row, index, label_map, result)
            if value != UNANSWERED:
                answers.append((question.question_id, value))
        year_group = None
        if year_column is not None:
            year_group = context.read_year_group(row, year_column, result)
        submitted_at = context.read_date(row, date_column, result)
        if not answers:
            result.rows_without_answers.append(row.row_number)
            continue
        if submitted_at is None:
            continue
        is_too_fast = context.is_too_fast(
            row, start_column, submitted_at, len(answers), result
        )
        result.responses.append(
            MappedResponse(
                row_number=row.row_number,
                submitted_on=_london_date(submitted_at),
                year_group=year_group,
                answers=tuple(sorted(answers)),
                is_too_fast=is_too_fast,
            )
        )
    return result


def rows_fingerprint(responses: list[MappedResponse]) -> str:
    """Return a SHA-256 of the mapped rows in any order: dates, years and answers.

    Two files with the same responses, however their columns are ordered or
    their labels spelled, have the same fingerprint.
    """
    rows = sorted(
        json.dumps(
            [
                response.submitted_on.isoformat(),
                response.year_group,
                [list(answer) for answer in response.answers],
            ]
        )
        for response in responses
    )
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def response_signature(submitted_on: date, year_group: int | None, answers) -> tuple:
    """Return what makes two responses the same for the overlap check."""
    return (submitted_on, year_group, tuple(sorted(answers)))


class _ColumnFinder:
    """Find mapped columns in the header, exactly or ignoring case and spaces."""

    def __init__(self, table: SourceTable, mapping_name: str, result: MappedRows):
        self.table = table
        self.mapping_name = mapping_name
        self.result = result

    def find_optional(self, header_text: str) -> int | None:
        header = self.table.header
        if header_text.strip() in header:
            return header.index(header_text.strip())
        matches = self._loose_matches(header_text)
        return matches[0] if len(matches) == 1 else None

    def _loose_matches(self, header_text: str) -> list[int]:
        key = normalise_label(header_text)
        return [
            index
            for index, text in enumerate(self.table.header)
            if normalise_label(text) == key
        ]

    def find(self, header_text: str, mapping_key: str, tool_default=None):
        """Return the column's index, or record a problem and return None."""
        found = self.find_optional(header_text)
        if found is not None:
            return found
        shown = show_text(header_text)
        close = difflib.get_close_matches(
            header_text, [text for text in self.table.header if text], n=3
        )
        hint = ""
        if close:
            hint = " Closest headers: " + ", ".join(show_text(text) for text in close)
        if len(self._loose_matches(header_text)) > 1:
            message = (
                f"has several columns that match {shown} when case and spaces are "
                f"ignored: copy one header exactly into {mapping_key} in "
                f"{self.mapping_name}"
            )
        elif tool_default is not None and header_text == tool_default.date_column:
            message = (
                f"has no column {shown}, which a {tool_default.title} export has "
                "for the time of each response. Name the date column with "
                "date_column in the mapping, or set date_column: null to give "
                f"every response the window's closing date.{hint}"
            )
        else:
            message = (
                f"has no column {shown} (named under {mapping_key} in "
                f"{self.mapping_name}): copy the header exactly from the file.{hint}"
            )
        self.result.add_problem(Problem(self.table.file_name, message, row=1))
        return None


def _dropped_columns(
    table: SourceTable,
    mapping: ImportMapping,
    used: set[int],
    date_column: int | None,
    start_column: int | None,
) -> list[DroppedColumn]:
    dropped = []
    for index, header in enumerate(table.header):
        if index in used:
            continue
        values = [row.cells[index] for row in table.rows]
        if not header and all(is_blank(value) for value in values):
            continue
        if index == date_column:
            reason = TIME_REASON
        elif index == start_column:
            reason = START_REASON
        else:
            reason = _drop_reason(header, values, mapping)
        dropped.append(DroppedColumn(index + 1, header, reason))
    return dropped


def _drop_reason(header: str, values: list[CellValue], mapping: ImportMapping) -> str:
    """Return why a column is dropped, naming personal data where it is seen."""
    tool_reason = mapping.layout.tool_columns.get(header.casefold())
    if tool_reason:
        return tool_reason
    texts = [value for value in values if isinstance(value, str) and value.strip()]
    if EMAIL_HEADER.search(header) or any(EMAIL_PATTERN.search(t) for t in texts):
        return "email addresses"
    if texts and all(looks_like_ip_address(text) for text in texts):
        return "IP addresses"
    if texts and any(looks_like_url(text) for text in texts):
        return "web addresses"
    if NAME_HEADER.search(header):
        return "names"
    if not header:
        return "a column without a header"
    return "not in the mapping"


def _is_incomplete(row: SourceRow, date_column: int, mapping: ImportMapping) -> bool:
    return (
        mapping.layout.blank_date_means_incomplete
        and not mapping.include_incomplete
        and is_blank(row.cells[date_column])
    )


def _london_date(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return moment.astimezone(LONDON).date()
    return moment


@dataclass(frozen=True)
class _RowContext:
    file_name: str
    header: list[str]
    mapping: ImportMapping
    bank: BankGroup
    first_day: date
    last_day: date
    default_date: date
    today: date
    min_seconds_per_question: float

    def problem(self, result: MappedRows, row: SourceRow, index: int, message: str):
        result.add_problem(
            Problem(
                self.file_name,
                message,
                row=row.row_number,
                column=self.header[index],
                column_number=index + 1,
            )
        )

    def read_answer(
        self, row: SourceRow, index: int, label_map: LabelMap, result: MappedRows
    ) -> int | None | str:
        """Return a scale value, None for don't know, UNANSWERED, or record a problem
        and return UNANSWERED."""
        cell = row.cells[index]
        if is_temporal(cell):
            code = label_map.lookup(cell_text(cell))
            if code is None:
                self.problem(result, row, index, _date_answer_message(cell_text(cell)))
                return UNANSWERED
            return _answer_value(code)
        if not cell.strip():
            return UNANSWERED
        if has_invisible_characters(cell):
            self.problem(
                result,
                row,
                index,
                f"answer {show_value(cell)} contains a byte order mark or a control "
                "character, which happens when files are joined or copied: type "
                "the answer again",
            )
            return UNANSWERED
        code = label_map.lookup(cell)
        if code is not None:
            return _answer_value(code)
        if looks_like_spreadsheet_date(cell):
            message = _date_answer_message(cell)
        elif is_spreadsheet_error(cell):
            message = (
                f"answer {show_value(cell)} is a spreadsheet error value, not an "
                "answer: export the file again from the survey tool"
            )
        else:
            known = ", ".join(show_text(label) for label in label_map.labels)
            message = (
                f"answer {show_value(cell)} is not a known answer label. Known "
                f"labels: {known}, and a blank cell for unanswered. Add the label "
                "to answers in the mapping with its scale value, dont_know or "
                "unanswered, or correct the cell"
            )
        self.problem(result, row, index, message)
        return UNANSWERED

    def read_year_group(
        self, row: SourceRow, index: int, result: MappedRows
    ) -> int | None:
        cell = row.cells[index]
        if is_temporal(cell):
            self.problem(
                result,
                row,
                index,
                f"year group {show_text(cell_text(cell))} is a date: a spreadsheet "
                "probably changed it. Export the file again from the survey tool",
            )
            return None
        if not cell.strip():
            return None
        labels = self.mapping.year_group.labels
        if labels is not None:
            key = normalise_label(cell)
            if key not in labels:
                known = ", ".join(show_text(label) for label in labels)
                self.problem(
                    result,
                    row,
                    index,
                    f"year group {show_value(cell)} is not one of the labels under "
                    f"year_group in the mapping ({known}): add it there",
                )
                return None
            year = labels[key]
        else:
            year = parse_year_group(cell)
            if year is None:
                self.problem(
                    result,
                    row,
                    index,
                    f"year group {show_value(cell)} is not a school year like 7, "
                    "Year 7 or Y7: map the file's labels under year_group: labels "
                    "in the mapping",
                )
                return None
        allowed = self.bank.year_groups
        if year is not None and year not in allowed:
            self.problem(
                result,
                row,
                index,
                f"year group {year} is not asked of {self.bank.stakeholder_group} "
                f"(years {allowed[0]} to {allowed[-1]}): check stakeholder_group in "
                "the mapping, or correct the cell",
            )
            return None
        return year

    def read_date(
        self, row: SourceRow, index: int | None, result: MappedRows
    ) -> datetime | date | None:
        """Return the time of a response, the default date, or None after a problem."""
        if index is None or is_blank(row.cells[index]):
            return self.default_date
        cell = row.cells[index]
        try:
            moment = parse_timestamp(
                cell,
                self.mapping.date_formats,
                self.mapping.timezone,
                is_google=self.mapping.reads_google_timestamps,
            )
        except TimestampError as error:
            self.problem(
                result, row, index, f"date {show_value(cell_text(cell))} {error}"
            )
            return None
        day = _london_date(moment)
        if not self.first_day <= day <= self.last_day:
            self.problem(
                result,
                row,
                index,
                f"date {day.isoformat()} is outside academic year "
                f"{self.mapping.academic_year} ({self.first_day.isoformat()} to "
                f"{self.last_day.isoformat()}): check academic_year in the mapping, "
                "or split the file by academic year",
            )
            return None
        if day > self.today:
            self.problem(
                result,
                row,
                index,
                f"date {day.isoformat()} is in the future: check the file's dates "
                "and the mapping's date_format",
            )
            return None
        return moment

    def is_too_fast(
        self,
        row: SourceRow,
        index: int | None,
        submitted_at: datetime | date,
        answered: int,
        result: MappedRows,
    ) -> bool:
        """Return whether the start and completion times are too close together.

        The threshold is the app's: fewer seconds per answered question than
        min_seconds_per_question. Only the flag is stored, not the duration.
        """
        if index is None or is_blank(row.cells[index]):
            return False
        if not isinstance(submitted_at, datetime):
            return False
        cell = row.cells[index]
        try:
            started_at = parse_timestamp(
                cell, self.mapping.date_formats, self.mapping.timezone
            )
        except TimestampError as error:
            self.problem(
                result, row, index, f"start time {show_value(cell_text(cell))} {error}"
            )
            return False
        if not isinstance(started_at, datetime):
            return False
        seconds = (submitted_at - started_at).total_seconds()
        return 0 <= seconds < answered * self.min_seconds_per_question


def _answer_value(code: AnswerCode) -> int | None | str:
    if code == DONT_KNOW:
        return None
    return code


def _date_answer_message(text: str) -> str:
    return (
        f"answer {show_text(text)} looks like a date: a spreadsheet probably turned "
        'a label such as "1-5" or "1/2" into one. Export the file again without '
        "opening it in a spreadsheet, or, if the value stands for one label, map "
        f"it under answers in the mapping, for example {show_text(text)}: 1"
    )
