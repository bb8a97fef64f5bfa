"""The mapping file: from a tool's columns and labels to the question bank.

docs/importing.md describes the file with an example for each tool. This
module checks its shape; the import checks it against the stored question
bank.
"""

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ..calendar import academic_year_bounds
from ..models import IMPORT_TOOLS, STAKEHOLDER_GROUPS
from .problems import ImportRejected, Problem, show_text
from .tools import LAYOUTS, ToolLayout
from .values import normalise_label

DONT_KNOW = "dont_know"
UNANSWERED = "unanswered"
# A scale value 1..points, DONT_KNOW or UNANSWERED.
AnswerCode = int | str

MAX_MAPPING_BYTES = 1024 * 1024
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
KEYS = (
    "tool",
    "school_urn",
    "school_id",
    "academic_year",
    "stakeholder_group",
    "bank_version",
    "csv_delimiter",
    "sheet",
    "date_column",
    "date_format",
    "timezone",
    "include_incomplete",
    "year_group",
    "answers",
    "questions",
)
BOOLEAN_WORDS = "YAML reads an unquoted Yes, No, On or Off as true or false"


@dataclass(frozen=True)
class LabelMap:
    """A file's answer labels with their codes, matched by normalise_label."""

    codes: dict[str, AnswerCode]
    labels: tuple[str, ...]

    def lookup(self, text: str) -> AnswerCode | None:
        return self.codes.get(normalise_label(text))


@dataclass(frozen=True)
class QuestionMapping:
    column: str
    question_id: str
    # Labels of this column only; None uses the mapping's answers.
    answers: LabelMap | None


@dataclass(frozen=True)
class YearGroupMapping:
    column: str
    # Normalised label to year 1..13, or None for a label that means unanswered.
    # None: read "7", "Year 7", "Yr 7" and "Y7".
    labels: dict[str, int | None] | None


@dataclass(frozen=True)
class ImportMapping:
    file_name: str
    layout: ToolLayout
    school_urn: str | None
    school_id: int | None
    academic_year: str
    stakeholder_group: str
    bank_version: str
    csv_delimiter: str | None
    sheet: str | None
    # None when the file has no dates: every response gets the window's
    # closing date.
    date_column: str | None
    # Formats of date_column; empty for Google Forms' own time stamps.
    date_formats: tuple[str, ...]
    timezone: ZoneInfo
    include_incomplete: bool
    year_group: YearGroupMapping | None
    # None uses the labels of the question bank's scale.
    answers: LabelMap | None
    questions: tuple[QuestionMapping, ...]

    @property
    def reads_google_timestamps(self) -> bool:
        return self.layout.tool == "google_forms" and not self.date_formats


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that rejects a key given twice, which PyYAML would let the
    last one win silently."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                is_repeated = key in seen
            except TypeError:
                continue
            if is_repeated:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} is given twice: keep one",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_mapping(path: Path) -> ImportMapping:
    """Read and check a mapping file, or raise ImportRejected listing every problem."""
    path = Path(path)
    name = path.name
    data = _read_yaml(path)
    problems: list[Problem] = []

    def problem(message: str) -> None:
        problems.append(Problem(name, message))

    for key in data:
        if key not in KEYS:
            problem(
                f"key {show_text(str(key))} is not known: use only {', '.join(KEYS)}"
            )

    tool = data.get("tool")
    if tool not in IMPORT_TOOLS:
        problem(
            f"tool {_shown(tool)} is not known: set tool to one of "
            f"{', '.join(IMPORT_TOOLS)}"
        )
        layout = None
    else:
        layout = LAYOUTS[tool]

    school_urn, school_id = _read_school(data, problem)
    academic_year = _read_academic_year(data, problem)
    group = data.get("stakeholder_group")
    if group not in STAKEHOLDER_GROUPS:
        problem(
            f"stakeholder_group {_shown(group)} is not known: set it to one of "
            f"{', '.join(STAKEHOLDER_GROUPS)}"
        )
    bank_version = data.get("bank_version")
    if not isinstance(bank_version, str) or not bank_version.strip():
        problem(
            f"bank_version {_shown(bank_version)} is not valid: give the question "
            'bank version in quotes, for example bank_version: "2024.1"'
        )

    csv_delimiter = data.get("csv_delimiter")
    if csv_delimiter is not None and csv_delimiter not in DELIMITERS:
        problem(
            f"csv_delimiter {_shown(csv_delimiter)} is not valid: use one of "
            + ", ".join(
                f"{show_text(key)} ({label})" for key, label in DELIMITERS.items()
            )
        )
    sheet = _optional_text(data, "sheet", problem)
    date_column, date_formats = _read_dates(data, layout, problem)
    zone = _read_timezone(data, problem)
    include_incomplete = data.get("include_incomplete", False)
    if not isinstance(include_incomplete, bool):
        problem("include_incomplete must be true or false")

    year_group = _read_year_group(data.get("year_group"), problem)
    answers = None
    if "answers" in data:
        answers = _read_labels(data["answers"], "answers", problem)
    questions = _read_questions(data.get("questions"), problem)

    if problems:
        raise ImportRejected(problems)
    return ImportMapping(
        file_name=name,
        layout=layout,
        school_urn=school_urn,
        school_id=school_id,
        academic_year=academic_year,
        stakeholder_group=group,
        bank_version=bank_version.strip(),
        csv_delimiter=csv_delimiter,
        sheet=sheet,
        date_column=date_column,
        date_formats=date_formats,
        timezone=zone,
        include_incomplete=include_incomplete,
        year_group=year_group,
        answers=answers,
        questions=questions,
    )


def _read_yaml(path: Path) -> dict:
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_MAPPING_BYTES:
            raise ImportRejected(
                [
                    Problem(
                        name,
                        f"is {size:,} bytes: a mapping file must be smaller than "
                        f"{MAX_MAPPING_BYTES:,} bytes",
                    )
                ]
            )
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise ImportRejected(
            [Problem(name, f"cannot be read ({error.strerror}): check the path")]
        ) from error
    except UnicodeDecodeError as error:
        raise ImportRejected(
            [Problem(name, "is not UTF-8 text: save the mapping file as UTF-8")]
        ) from error
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        raise ImportRejected([Problem(name, f"is not valid YAML: {error}")]) from error
    if not isinstance(data, dict):
        raise ImportRejected(
            [
                Problem(
                    name,
                    "must be a YAML mapping with keys such as tool, school_urn and "
                    "questions: see docs/importing.md",
                )
            ]
        )
    return data


def _shown(value) -> str:
    if isinstance(value, str):
        return show_text(value)
    return "(missing)" if value is None else show_text(repr(value))


def _read_school(data: dict, problem) -> tuple[str | None, int | None]:
    has_urn = data.get("school_urn") is not None
    has_id = data.get("school_id") is not None
    if has_urn == has_id:
        problem(
            "give the school with exactly one of school_urn (its 6-digit DfE "
            "number) or school_id"
        )
        return None, None
    if has_id:
        school_id = data["school_id"]
        if isinstance(school_id, bool) or not isinstance(school_id, int):
            problem(f"school_id {_shown(school_id)} must be a whole number")
            return None, None
        return None, school_id
    urn = data["school_urn"]
    if isinstance(urn, int) and not isinstance(urn, bool):
        urn = str(urn)
    if not isinstance(urn, str) or not urn.strip().isdigit() or len(urn.strip()) != 6:
        problem(f"school_urn {_shown(urn)} must be the school's 6-digit DfE number")
        return None, None
    return urn.strip(), None


def _read_academic_year(data: dict, problem) -> str | None:
    academic_year = data.get("academic_year")
    if not isinstance(academic_year, str):
        problem(
            f"academic_year {_shown(academic_year)} is not valid: write it in "
            'quotes like "2023/24"'
        )
        return None
    try:
        academic_year_bounds(academic_year.strip())
    except ValueError as error:
        problem(str(error))
        return None
    return academic_year.strip()


def _optional_text(data: dict, key: str, problem) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        problem(f"{key} {_shown(value)} must be text: put it in quotes")
        return None
    return value


def _read_dates(
    data: dict, layout: ToolLayout | None, problem
) -> tuple[str | None, tuple[str, ...]]:
    if "date_column" in data and data["date_column"] is None:
        date_column = None
    else:
        date_column = _optional_text(data, "date_column", problem)
        if date_column is None and layout is not None:
            date_column = layout.date_column
    date_format = data.get("date_format")
    if date_format is None:
        return date_column, layout.date_formats if layout else ()
    if not isinstance(date_format, str) or "%" not in date_format:
        problem(
            f"date_format {_shown(date_format)} is not valid: write it with "
            'strptime codes in quotes, for example date_format: "%d/%m/%Y %H:%M"'
        )
        return date_column, ()
    return date_column, (date_format,)


def _read_timezone(data: dict, problem) -> ZoneInfo:
    name = data.get("timezone", "Europe/London")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        problem(
            f"timezone {_shown(name)} is not known: give an IANA time zone such as "
            "Europe/London or UTC"
        )
        return ZoneInfo("Europe/London")


def _read_year_group(value, problem) -> YearGroupMapping | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = {"column": value}
    if not isinstance(value, dict) or not isinstance(value.get("column"), str):
        problem(
            "year_group must name its column, for example year_group: "
            "{column: What year are you in?}"
        )
        return None
    unknown = set(value) - {"column", "labels"}
    if unknown:
        problem(
            f"year_group has unknown key(s) {', '.join(map(str, sorted(unknown)))}: "
            "use column and labels"
        )
    labels = None
    if value.get("labels") is not None:
        label_map = _read_labels(value["labels"], "year_group labels", problem)
        if label_map is not None:
            labels = {}
            for key, code in label_map.codes.items():
                if code == UNANSWERED:
                    labels[key] = None
                elif isinstance(code, int) and 1 <= code <= 13:
                    labels[key] = code
                else:
                    problem(
                        f"year_group labels: {show_text(key)} maps to {code!r}: "
                        "give a school year 1 to 13, or unanswered"
                    )
    return YearGroupMapping(column=value["column"], labels=labels)


def _read_labels(value, where: str, problem) -> LabelMap | None:
    if not isinstance(value, dict) or not value:
        problem(
            f"{where} must map each label to a scale value, dont_know or "
            f'unanswered, for example "Agree": 4'
        )
        return None
    codes: dict[str, AnswerCode] = {}
    labels: list[str] = []
    for label, code in value.items():
        text = _label_text(label, where, problem)
        if text is None:
            continue
        if isinstance(code, bool) or not (
            isinstance(code, int) or code in (DONT_KNOW, UNANSWERED)
        ):
            problem(
                f"{where}: label {show_text(text)} maps to {_shown(code)}: give a "
                f"scale value such as 4, or {DONT_KNOW}, or {UNANSWERED}"
            )
            continue
        key = normalise_label(text)
        if key in codes:
            problem(
                f"{where}: label {show_text(text)} is given twice (labels match "
                "ignoring case, spaces and curly quotes): keep one"
            )
            continue
        codes[key] = code
        labels.append(text)
    return LabelMap(codes=codes, labels=tuple(labels))


def _label_text(label, where: str, problem) -> str | None:
    if isinstance(label, bool):
        problem(
            f"{where}: label {label!r} is not text, because {BOOLEAN_WORDS}. "
            'Put the label in quotes, for example "Yes"'
        )
        return None
    if isinstance(label, int):
        return str(label)
    if not isinstance(label, str):
        problem(
            f"{where}: label {label!r} is not text: put it in quotes exactly as "
            "it appears in the file"
        )
        return None
    if not label.strip():
        problem(f"{where}: a blank cell is always unanswered: remove the empty label")
        return None
    return label


def _read_questions(value, problem) -> tuple[QuestionMapping, ...]:
    if not isinstance(value, dict) or not value:
        problem(
            "questions must map each column header to a question_id of the bank, "
            'for example "I feel safe at school.": pri-P1.4-a'
        )
        return ()
    questions = []
    for column, target in value.items():
        column_text = _label_text(column, "questions", problem)
        if column_text is None:
            continue
        answers = None
        if isinstance(target, dict):
            unknown = set(target) - {"question_id", "answers"}
            if unknown:
                problem(
                    f"questions: column {show_text(column_text)} has unknown "
                    f"key(s) {', '.join(map(str, sorted(unknown)))}: use "
                    "question_id and answers"
                )
            if "answers" in target:
                answers = _read_labels(
                    target["answers"],
                    f"answers of column {show_text(column_text)}",
                    problem,
                )
            target = target.get("question_id")
        if not isinstance(target, str) or not target.strip():
            problem(
                f"questions: column {show_text(column_text)} needs a question_id "
                "of the bank, such as pri-P1.4-a"
            )
            continue
        questions.append(QuestionMapping(column_text, target.strip(), answers))
    return tuple(questions)
