"""Store a finished questionnaire: the response, its answers and the spent code.

The response and its answers are stored in one transaction, so they are
stored whole or not at all. The response_id made when the respondent started
is the idempotency key: a second submission with the same id stores nothing
and reports that the response already exists.

An access code lives in its own file (survey_app/db.py explains why), and
SQLite commits the WAL-mode store before an attached rollback-journal file,
so one transaction over both would make the response durable before the
spend. A crash in between would leave a stored response and a code that
can be used again. So the spend is committed first, through its own
connection, while this submission holds the store's write lock. A crash
after the spend and before the response's commit wastes that one code.
"""

import logging
import os
import signal
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from .calendar import london_today
from .db import codes_path_for, connect_codes_file
from .models import Answer, Response, SurveyLink
from .questionnaire import DONT_KNOW, Questionnaire

logger = logging.getLogger(__name__)

# A test hook: with this variable set to CODE_SPENT, the process sends itself
# SIGKILL right after a code's spend is committed and before the response is
# stored, as kill -9 or a power cut could stop it. The fault tests
# (tests/faults/) set it. Unset, as in production, it does nothing.
CRASH_AT_VARIABLE = "IMHARS_SUBMISSION_CRASH_AT"
CODE_SPENT = "code spent"


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
    """Store a submission and spend its code, or return False if it is stored.

    Raises CodeAlreadyUsedError when the link's code is already spent,
    CodeRequiredError when the link needs a code and none was given, and
    InvalidSubmissionError when the answers do not fit the questionnaire.
    When the response cannot be stored after its code was spent, the spend
    is undone. The session must have no pending changes: it is committed or
    rolled back here.
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

    is_code_spent = False
    try:
        _lock_store(session)
        if response_exists(session, submission.response_id):
            session.rollback()
            return False
        if needs_code:
            _spend_code(_codes_path(session), submission.code_hash, link_id)
            is_code_spent = True
            _crash_point(CODE_SPENT)
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
        if is_code_spent:
            _restore_code_unless_stored(session, submission, link_id)
        raise
    except BaseException:
        session.rollback()
        if is_code_spent:
            _restore_code_unless_stored(session, submission, link_id)
        raise
    return True


def _lock_store(session: Session) -> None:
    """Take the store's write lock, and only the store's, before reading.

    Two submissions of one response_id then run one after the other, and the
    second finds the first. BEGIN IMMEDIATE would also take the attached
    codes file's write lock, which the spend's own connection needs. SQLite
    starts a write transaction on the files that a deferred transaction's
    first INSERT, UPDATE or DELETE names, whether or not a row matches, so
    this DELETE locks the main file alone and changes nothing.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")
        connection.exec_driver_sql("DELETE FROM main.responses WHERE 0")


def _crash_point(point: str) -> None:
    if os.environ.get(CRASH_AT_VARIABLE) == point:
        logger.warning(
            "%s=%r: killing this process with SIGKILL", CRASH_AT_VARIABLE, point
        )
        for handler in logging.getLogger().handlers:
            handler.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def _codes_path(session: Session) -> Path:
    return codes_path_for(Path(session.get_bind().url.database))


def _spend_code(codes_path: Path, code_hash: str | None, link_id: int) -> None:
    """Mark a code spent and commit that in the codes file alone.

    Raises CodeAlreadyUsedError, with nothing changed, when the code is
    spent, unknown or for another link.
    """
    connection = connect_codes_file(codes_path)
    try:
        connection.execute("BEGIN IMMEDIATE")
        spent = connection.execute(
            "UPDATE access_codes SET is_spent = 1 "
            "WHERE code_hash = ? AND link_id = ? AND NOT is_spent",
            (code_hash, link_id),
        )
        if spent.rowcount != 1:
            raise CodeAlreadyUsedError("the access code is spent or not for this link")
        connection.execute("COMMIT")
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        connection.close()


def _restore_code_unless_stored(
    session: Session, submission: Submission, link_id: int
) -> None:
    """Mark a spent code unspent again if its response is not stored.

    The code then lets in at most one response. When the store cannot be
    read or the codes file cannot be written, the code stays spent and is
    lost, which is logged.
    """
    connection = None
    try:
        if response_exists(session, submission.response_id):
            return
        connection = connect_codes_file(_codes_path(session))
        connection.execute(
            "UPDATE access_codes SET is_spent = 0 WHERE code_hash = ? AND link_id = ?",
            (submission.code_hash, link_id),
        )
    except (sqlite3.Error, SQLAlchemyError) as error:
        # Only SQLite's message: a statement's parameters name the response.
        logger.error(
            "a spent access code of link %s could not be made usable again after "
            "its response failed to be stored, so the code is lost: %s",
            link_id,
            getattr(error, "orig", None) or error,
        )
    finally:
        if connection is not None:
            connection.close()


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
