"""Import one file of past responses: check everything, then store it in one go.

Nothing is written until every row of the file maps cleanly, and then the
window (if new), the responses, their answers and the import record are
written in one transaction. A file whose bytes or mapped rows were imported
before is a no-op.
"""

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..calendar import academic_year_bounds, london_today
from ..models import (
    Answer,
    ImportedResponse,
    QuestionBankVersion,
    Response,
    ResponseImport,
    School,
    SurveyWindow,
)
from ..questionnaire import (
    DONT_KNOW,
    QuestionnaireNotFoundError,
    load_questionnaire,
)
from ..windows import create_window, stakeholder_groups_for
from .mapping import ImportMapping, load_mapping
from .problems import ImportRejected, Problem
from .readers import SourceTable, read_source
from .rows import (
    BankGroup,
    DroppedColumn,
    MappedRows,
    check_mapping_against_bank,
    map_rows,
    response_signature,
    rows_fingerprint,
)

STATUS_IMPORTED = "imported"
STATUS_DRY_RUN = "dry_run"
STATUS_ALREADY_IMPORTED = "already_imported"


@dataclass
class ImportResult:
    """The outcome of an import, or of a dry run that stored nothing."""

    status: str
    file_name: str
    tool_title: str
    rows_read: int
    notes: list[str] = field(default_factory=list)
    blank_rows: list[int] = field(default_factory=list)
    dropped_columns: list[DroppedColumn] = field(default_factory=list)
    rows_without_answers: list[int] = field(default_factory=list)
    incomplete_rows: list[int] = field(default_factory=list)
    responses: int = 0
    too_fast: int = 0
    # Responses with scored answers to fewer than half of the bank's questions
    # for the group, which the warehouse flags as too_few_answers.
    few_answers: int = 0
    bank_questions: int = 0
    school_name: str | None = None
    academic_year: str | None = None
    stakeholder_group: str | None = None
    window_id: int | None = None
    is_new_window: bool = False
    import_id: int | None = None
    # For STATUS_ALREADY_IMPORTED: the earlier import and why it matches.
    earlier_import: ResponseImport | None = None
    earlier_reason: str | None = None


@dataclass
class _Target:
    school: School
    window: SurveyWindow | None
    academic_year: str
    stakeholder_group: str
    bank_version: str
    closes_on: date


def import_responses(
    session: Session,
    file_path: Path,
    mapping_path: Path,
    *,
    imported_by: str,
    imported_via: str = "cli",
    imported_by_user_id: int | None = None,
    dry_run: bool = False,
    allow_mixed: bool = False,
    allow_overlap: bool = False,
    min_seconds_per_question: float = 1.5,
    today: date | None = None,
) -> ImportResult:
    """Import a file of responses with its mapping, or raise ImportRejected.

    allow_mixed lets an import into a window whose group already has survey
    responses; allow_overlap lets a file that repeats every row of an earlier
    import. The session must have no pending changes; it is committed or
    rolled back here.
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("import_responses needs a session without pending changes")
    mapping = load_mapping(Path(mapping_path))
    table = read_source(Path(file_path), mapping.csv_delimiter, mapping.sheet)
    earlier = _find_import(session, ResponseImport.file_sha256, table.file_sha256)
    if earlier is not None:
        session.rollback()
        return _already_imported(table, mapping, earlier, "the same content")

    target = _resolve_target(session, mapping)
    bank = _load_bank_group(session, mapping)
    mapping_problems = check_mapping_against_bank(mapping, bank)
    if mapping_problems:
        raise ImportRejected(mapping_problems)
    today = today or london_today()
    mapped = map_rows(
        table,
        mapping,
        bank,
        default_date=min(target.closes_on, today),
        today=today,
        min_seconds_per_question=min_seconds_per_question,
    )
    _raise_problems(table, mapped)
    rows_sha256 = rows_fingerprint(mapped.responses)
    earlier = _find_import(session, ResponseImport.rows_sha256, rows_sha256)
    if earlier is not None:
        session.rollback()
        return _already_imported(table, mapping, earlier, "the same mapped responses")
    _check_not_mixed(session, target, allow_mixed, table.file_name)
    if not allow_overlap:
        _check_no_overlap(session, target, mapped, table.file_name)

    result = _result(STATUS_DRY_RUN, table, mapping, mapped, target)
    result.bank_questions = len(bank.question_ids)
    result.few_answers = sum(
        1
        for response in mapped.responses
        if 2 * _scored_answers(response) < result.bank_questions
    )
    if dry_run:
        session.rollback()
        return result
    return _store(
        session,
        result,
        table,
        mapping,
        mapped,
        target,
        rows_sha256,
        imported_by=imported_by,
        imported_via=imported_via,
        imported_by_user_id=imported_by_user_id,
        allow_mixed=allow_mixed,
    )


def _scored_answers(response) -> int:
    return sum(1 for _, value in response.answers if value is not None)


def _find_import(session: Session, column, value: str) -> ResponseImport | None:
    return session.scalar(select(ResponseImport).where(column == value))


def _already_imported(
    table: SourceTable, mapping: ImportMapping, earlier: ResponseImport, reason: str
) -> ImportResult:
    return ImportResult(
        status=STATUS_ALREADY_IMPORTED,
        file_name=table.file_name,
        tool_title=mapping.layout.title,
        rows_read=table.rows_read,
        notes=table.notes,
        earlier_import=earlier,
        earlier_reason=reason,
        window_id=earlier.window_id,
        stakeholder_group=earlier.stakeholder_group,
    )


def _resolve_target(session: Session, mapping: ImportMapping) -> _Target:
    name = mapping.file_name

    def reject(message: str):
        raise ImportRejected([Problem(name, message)])

    if mapping.school_id is not None:
        school = session.get(School, mapping.school_id)
        if school is None:
            reject(
                f"school_id {mapping.school_id} is not a stored school: check the "
                "number, or add the school first"
            )
    else:
        school = session.scalar(select(School).where(School.urn == mapping.school_urn))
        if school is None:
            reject(
                f"no stored school has the URN {mapping.school_urn}: check "
                "school_urn, or add the school first"
            )
    group = mapping.stakeholder_group
    if group not in stakeholder_groups_for(school.phase):
        reject(
            f"{school.name} is a {school.phase} school, which does not survey "
            f"{group}: check stakeholder_group"
        )
    if session.get(QuestionBankVersion, mapping.bank_version) is None:
        stored = sorted(session.scalars(select(QuestionBankVersion.bank_version)))
        reject(
            f"question bank {mapping.bank_version} is not stored: use one of "
            f"{', '.join(stored) or '(none: run flask --app survey_app db-upgrade)'}"
        )
    window = _find_window(session, school.school_id, mapping.academic_year)
    if window is not None and window.bank_version != mapping.bank_version:
        reject(
            f"the {mapping.academic_year} window of {school.name} uses question "
            f"bank {window.bank_version}, not {mapping.bank_version}: set "
            f'bank_version: "{window.bank_version}" and map to its question ids'
        )
    if window is not None:
        closes_on = window.closes_on
    else:
        closes_on = academic_year_bounds(mapping.academic_year)[1]
    return _Target(
        school=school,
        window=window,
        academic_year=mapping.academic_year,
        stakeholder_group=group,
        bank_version=mapping.bank_version,
        closes_on=closes_on,
    )


def _find_window(
    session: Session, school_id: int, academic_year: str
) -> SurveyWindow | None:
    return session.scalar(
        select(SurveyWindow).where(
            SurveyWindow.school_id == school_id,
            SurveyWindow.academic_year == academic_year,
        )
    )


def _load_bank_group(session: Session, mapping: ImportMapping) -> BankGroup:
    try:
        questionnaire = load_questionnaire(
            session, mapping.bank_version, mapping.stakeholder_group
        )
    except QuestionnaireNotFoundError as error:
        raise ImportRejected([Problem(mapping.file_name, str(error))]) from error
    scale_options = [o for o in questionnaire.options if o.value != DONT_KNOW]
    dont_know = [o.label for o in questionnaire.options if o.value == DONT_KNOW]
    return BankGroup(
        bank_version=mapping.bank_version,
        stakeholder_group=mapping.stakeholder_group,
        question_ids=tuple(q.question_id for q in questionnaire.questions),
        points=len(scale_options),
        scale_labels=tuple(option.label for option in scale_options),
        dont_know_label=dont_know[0] if dont_know else None,
        year_groups=questionnaire.year_groups,
    )


def _raise_problems(table: SourceTable, mapped: MappedRows) -> None:
    problems = sorted(
        table.problems + mapped.problems,
        key=lambda problem: (problem.row or 0, problem.column_number or 0),
    )
    if mapped.problems_not_kept:
        problems.append(
            Problem(
                table.file_name,
                f"has {mapped.problems_not_kept:,} more problems not listed: fix "
                "the ones above and import again",
            )
        )
    if problems:
        raise ImportRejected(problems)
    if not mapped.responses:
        raise ImportRejected(
            [
                Problem(
                    table.file_name,
                    "has no row with an answer to a mapped question, so there is "
                    "nothing to import: check the file and the mapping's questions",
                )
            ]
        )


def _check_not_mixed(
    session: Session, target: _Target, allow_mixed: bool, file_name: str
) -> None:
    """Reject an import into a group that already answered the survey online."""
    if allow_mixed or target.window is None:
        return
    surveyed = session.scalar(
        select(func.count())
        .select_from(Response)
        .where(
            Response.window_id == target.window.window_id,
            Response.stakeholder_group == target.stakeholder_group,
            Response.source == "survey",
        )
    )
    if surveyed:
        raise ImportRejected(
            [
                Problem(
                    file_name,
                    f"cannot go into the {target.academic_year} window of "
                    f"{target.school.name}: it already has {surveyed} survey "
                    f"responses from {target.stakeholder_group}, and people who "
                    "answered both the survey and the other tool would be counted "
                    "twice. Use --allow-mixed only if the file holds other "
                    "people's responses",
                )
            ]
        )


def _check_no_overlap(
    session: Session, target: _Target, mapped: MappedRows, file_name: str
) -> None:
    """Reject a file that repeats every response of an earlier import.

    A form that kept collecting after its first export gives a second export
    holding all the first one's rows; importing it would count them twice.
    """
    if target.window is None:
        return
    earlier_imports = session.scalars(
        select(ResponseImport).where(
            ResponseImport.window_id == target.window.window_id,
            ResponseImport.stakeholder_group == target.stakeholder_group,
        )
    ).all()
    if not earlier_imports:
        return
    new_rows = Counter(
        response_signature(r.submitted_on, r.year_group, r.answers)
        for r in mapped.responses
    )
    for earlier in earlier_imports:
        earlier_rows = _imported_signatures(session, earlier.import_id)
        if earlier_rows and earlier_rows <= new_rows:
            raise ImportRejected(
                [
                    Problem(
                        file_name,
                        f"repeats all {earlier.rows_imported} responses of import "
                        f"{earlier.import_id} ({earlier.file_name}, "
                        f"{earlier.imported_at:%Y-%m-%d}), so it looks like a "
                        "later export of the same form. Delete the rows imported "
                        "then and import the rest, or use --allow-overlap if the "
                        "responses really are different people's",
                    )
                ]
            )


def _imported_signatures(session: Session, import_id: int) -> Counter:
    rows = session.execute(
        select(
            Response.response_seq,
            Response.submitted_on,
            Response.year_group,
            Answer.question_id,
            Answer.value,
        )
        .join(ImportedResponse, ImportedResponse.response_seq == Response.response_seq)
        .join(Answer, Answer.response_seq == Response.response_seq)
        .where(ImportedResponse.import_id == import_id)
    )
    responses: dict[int, tuple[date, int | None, list]] = {}
    for seq, submitted_on, year_group, question_id, value in rows:
        entry = responses.setdefault(seq, (submitted_on, year_group, []))
        entry[2].append((question_id, value))
    return Counter(
        response_signature(submitted_on, year_group, answers)
        for submitted_on, year_group, answers in responses.values()
    )


def _result(
    status: str,
    table: SourceTable,
    mapping: ImportMapping,
    mapped: MappedRows,
    target: _Target,
) -> ImportResult:
    return ImportResult(
        status=status,
        file_name=table.file_name,
        tool_title=mapping.layout.title,
        rows_read=table.rows_read,
        notes=table.notes,
        blank_rows=table.blank_rows,
        dropped_columns=mapped.dropped_columns,
        rows_without_answers=mapped.rows_without_answers,
        incomplete_rows=mapped.incomplete_rows,
        responses=len(mapped.responses),
        too_fast=sum(1 for response in mapped.responses if response.is_too_fast),
        school_name=target.school.name,
        academic_year=target.academic_year,
        stakeholder_group=target.stakeholder_group,
        window_id=target.window.window_id if target.window else None,
        is_new_window=target.window is None,
    )


def _store(
    session: Session,
    result: ImportResult,
    table: SourceTable,
    mapping: ImportMapping,
    mapped: MappedRows,
    target: _Target,
    rows_sha256: str,
    *,
    imported_by: str,
    imported_via: str,
    imported_by_user_id: int | None,
    allow_mixed: bool,
) -> ImportResult:
    # End the read transaction of the checks, so that the write below takes
    # the write lock first and then checks again what another writer may have
    # stored meanwhile.
    session.commit()
    try:
        _begin_write(session)
        for column, value, reason in (
            (ResponseImport.file_sha256, table.file_sha256, "the same content"),
            (ResponseImport.rows_sha256, rows_sha256, "the same mapped responses"),
        ):
            earlier = _find_import(session, column, value)
            if earlier is not None:
                session.rollback()
                return _already_imported(table, mapping, earlier, reason)
        window = _find_window(session, target.school.school_id, target.academic_year)
        target.window = window
        _check_not_mixed(session, target, allow_mixed, table.file_name)
        if window is None:
            window = _create_window(session, target, table.file_name)
        record = ResponseImport(
            file_name=table.file_name[:255],
            file_sha256=table.file_sha256,
            rows_sha256=rows_sha256,
            tool=mapping.layout.tool,
            window_id=window.window_id,
            stakeholder_group=target.stakeholder_group,
            rows_read=table.rows_read,
            rows_imported=len(mapped.responses),
            imported_via=imported_via,
            imported_by=imported_by[:254],
            imported_by_user_id=imported_by_user_id,
        )
        session.add(record)
        session.flush()
        _insert_responses(session, record, window, target, mapped)
        session.commit()
    except IntegrityError:
        # Another import of the same file or rows committed first.
        session.rollback()
        for column, value, reason in (
            (ResponseImport.file_sha256, table.file_sha256, "the same content"),
            (ResponseImport.rows_sha256, rows_sha256, "the same mapped responses"),
        ):
            earlier = _find_import(session, column, value)
            if earlier is not None:
                return _already_imported(table, mapping, earlier, reason)
        raise
    except BaseException:
        session.rollback()
        raise
    result.status = STATUS_IMPORTED
    result.window_id = window.window_id
    result.import_id = record.import_id
    return result


def _begin_write(session: Session) -> None:
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _create_window(session: Session, target: _Target, file_name: str) -> SurveyWindow:
    try:
        return create_window(
            session,
            target.school.school_id,
            target.academic_year,
            bank_version=target.bank_version,
        )
    except ValueError as error:
        raise ImportRejected(
            [Problem(file_name, f"needs a new window, which failed: {error}")]
        ) from error


def _insert_responses(
    session: Session,
    record: ResponseImport,
    window: SurveyWindow,
    target: _Target,
    mapped: MappedRows,
) -> None:
    """Insert the responses, their answers and their link to the import in bulk."""
    response_rows = [
        {
            "response_id": str(uuid.uuid4()),
            "window_id": window.window_id,
            "link_id": None,
            "stakeholder_group": target.stakeholder_group,
            "bank_version": target.bank_version,
            "submitted_on": response.submitted_on,
            "year_group": response.year_group,
            "is_too_fast": response.is_too_fast,
            "source": "import",
        }
        for response in mapped.responses
    ]
    sequences = session.scalars(
        insert(Response).returning(Response.response_seq, sort_by_parameter_order=True),
        response_rows,
    ).all()
    answer_rows = [
        {
            "response_seq": seq,
            "question_id": question_id,
            "value": value,
            "is_dont_know": value is None,
        }
        for seq, response in zip(sequences, mapped.responses, strict=True)
        for question_id, value in response.answers
    ]
    session.execute(insert(Answer), answer_rows)
    session.execute(
        insert(ImportedResponse),
        [{"import_id": record.import_id, "response_seq": seq} for seq in sequences],
    )
