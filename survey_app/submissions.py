"""Store a finished questionnaire: the response, its answers and the spent code.

Everything happens in one transaction, so a submission is stored whole or not
at all. The response_id made when the respondent started is the idempotency
key: a second submission with the same id stores nothing and reports that the
response already exists.
"""

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .calendar import london_today
from .models import AccessCode, Answer, Response, SurveyLink
from .questionnaire import DONT_KNOW, Questionnaire


class CodeAlreadyUsedError(Exception):
    """The access code was spent by another submission, so nothing was stored."""


class CodeRequiredError(Exception):
    """The link requires an access code but the submission has none."""


class InvalidSubmissionError(ValueError):
    """The submission does not fit the questionnaire, so nothing was stored."""


@dataclass(frozen=True)
class Submission:
    """A finished questionnaire, checked against its questionnaire before storing.

    answers maps every question id to '1'..'points' or DONT_KNOW. code_hash is
    the hash of the access code for a 'codes' link, and is only used to spend
    that code.
    """

    response_id: str
    link: SurveyLink
    answers: dict[str, str]
    year_group: int | None
    is_too_fast: bool
    code_hash: str | None = None


def store_submission(
    session: Session,
    submission: Submission,
    questionnaire: Questionnaire,
    today: date | None = None,
) -> bool:
    """Store a submission in one transaction, or return False if it is stored.

    Raises CodeAlreadyUsedError when the link's code is already spent,
    CodeRequiredError when the link needs a code and none was given, and
    InvalidSubmissionError when the answers do not fit the questionnaire.
    The session must have no pending changes: it is committed or rolled back
    here.
    """
    _check_submission(submission, questionnaire)
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("store_submission needs a session without pending changes")
    link = submission.link
    link_id, window_id = link.link_id, link.window_id
    needs_code = link.access_mode == "codes"
    # End the read-only transaction of earlier look-ups, so the write below
    # starts its own.
    session.commit()

    try:
        _begin_write(session)
        if response_exists(session, submission.response_id):
            session.rollback()
            return False
        if needs_code:
            # TODO: SQLite's write-ahead log keeps this update and the
            # response's insert in one transaction's frames, which links the
            # code to the response for anyone with a copy of imhars.sqlite-wal
            # (tests/privacy/test_access_codes.py).
            spent = session.execute(
                update(AccessCode)
                .where(
                    AccessCode.code_hash == submission.code_hash,
                    AccessCode.link_id == link_id,
                    AccessCode.is_spent.is_(False),
                )
                .values(is_spent=True)
            )
            if spent.rowcount != 1:
                raise CodeAlreadyUsedError(
                    "the access code is spent or not for this link"
                )
        response = Response(
            response_id=submission.response_id,
            window_id=window_id,
            link_id=link_id,
            stakeholder_group=questionnaire.stakeholder_group,
            bank_version=questionnaire.bank_version,
            submitted_on=today or london_today(),
            year_group=submission.year_group,
            is_too_fast=submission.is_too_fast,
            source="survey",
        )
        response.answers = [
            Answer(
                question_id=question.question_id,
                value=_answer_value(submission.answers[question.question_id]),
                is_dont_know=submission.answers[question.question_id] == DONT_KNOW,
            )
            for question in questionnaire.questions
        ]
        session.add(response)
        session.commit()
    except IntegrityError:
        # Another server's transaction stored the same response_id first.
        session.rollback()
        if response_exists(session, submission.response_id):
            return False
        raise
    except BaseException:
        session.rollback()
        raise
    return True


def _begin_write(session: Session) -> None:
    """Take SQLite's write lock before reading, so two submissions of one
    response_id run one after the other and the second finds the first."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def response_exists(session: Session, response_id: str) -> bool:
    """Return whether a response with this id is stored."""
    found = session.scalar(
        select(Response.response_seq).where(Response.response_id == response_id)
    )
    return found is not None


def _answer_value(answer: str) -> int | None:
    return None if answer == DONT_KNOW else int(answer)


def _check_submission(submission: Submission, questionnaire: Questionnaire) -> None:
    try:
        parsed = uuid.UUID(submission.response_id)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.version != 4 or str(parsed) != submission.response_id:
        raise InvalidSubmissionError(
            f"response id {submission.response_id!r} is not a random UUID: start "
            "the questionnaire again"
        )
    if submission.link.stakeholder_group != questionnaire.stakeholder_group:
        raise InvalidSubmissionError(
            f"link {submission.link.token} is for "
            f"{submission.link.stakeholder_group}, not "
            f"{questionnaire.stakeholder_group}"
        )
    expected = {question.question_id for question in questionnaire.questions}
    answered = set(submission.answers)
    if answered != expected:
        missing = sorted(expected - answered)
        unknown = sorted(answered - expected)
        raise InvalidSubmissionError(
            f"answers do not match bank {questionnaire.bank_version} for "
            f"{questionnaire.stakeholder_group}: missing {missing or 'none'}, "
            f"unknown {unknown or 'none'}"
        )
    allowed = set(questionnaire.option_values)
    for question_id, value in submission.answers.items():
        if value not in allowed:
            raise InvalidSubmissionError(
                f"answer {value!r} to {question_id} is not one of "
                f"{', '.join(sorted(allowed))}"
            )
    if submission.year_group is not None and (
        submission.year_group not in questionnaire.year_groups
    ):
        raise InvalidSubmissionError(
            f"year group {submission.year_group} is not asked of "
            f"{questionnaire.stakeholder_group}"
        )
    if submission.link.access_mode == "codes" and not submission.code_hash:
        raise CodeRequiredError(f"link {submission.link.token} needs an access code")
