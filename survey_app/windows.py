"""Schools, survey windows, their links and access codes: the service layer.

Nothing here reads the Flask request, so the CLI, the demo loader and the
staff pages share these functions. They add and flush rows; the caller
commits, so several calls can form one transaction.
"""

import enum
import hashlib
import hmac
import re
import secrets
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from .calendar import academic_year_bounds, london_today
from .models import (
    ACCESS_MODES,
    PHASES,
    AccessCode,
    AccessCodeBatch,
    BankGroup,
    QuestionBankVersion,
    School,
    SchoolRoll,
    SurveyLink,
    SurveyWindow,
)

# Lower case letters and digits without the look-alikes 0/o, 1/l/i and 5/s,
# so a link read aloud or copied from a letter is typed right.
TOKEN_ALPHABET = "2346789abcdefghjkmnpqrtuvwxyz"  # noqa: S105 - not a secret
TOKEN_LENGTH = 8

# Capital letters and digits that a young child cannot confuse with each other:
# no 0/O/Q/D, 1/I/L/J, 2/Z, 5/S, 6/G/b, 8/B, U/V, M/W.
CODE_ALPHABET = "ACEFHKNPRTXY3479"
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 3
MAX_CODES_PER_BATCH = 300
MAX_NUMBER_ON_ROLL = 100_000

GROUPS_BY_PHASE = {
    "primary": ("pupil_primary",),
    "secondary": ("pupil_secondary",),
    "special": ("pupil_primary", "pupil_secondary"),
    "all_through": ("pupil_primary", "pupil_secondary"),
}
ADULT_GROUPS = ("parent", "staff", "governor")
# ASCII digits only: \d would also match other scripts' digits, and $ a
# final line feed.
URN_PATTERN = re.compile(r"\A[0-9]{6}\Z")


class WindowStatus(enum.StrEnum):
    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"
    CLOSED = "closed"


def school_name_key(name: str) -> str:
    """Return the form of a school name that two schools must not share.

    Case, white space and the zero-width joiners are ignored, so "Oak Tree
    Primary" and "oak  treeprimary" are the same name.
    """
    return "".join(name.split()).replace("\u200c", "").replace("\u200d", "").casefold()


def create_school(
    session: Session,
    name: str,
    phase: str,
    urn: str | None = None,
    is_demo: bool = False,
) -> School:
    """Add a school after checking its name, phase and URN."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValueError(
            f"school name {name!r} is not valid: give a name of 1 to 200 characters"
        )
    if phase not in PHASES:
        raise ValueError(
            f"phase {phase!r} is not valid: use one of {', '.join(PHASES)}"
        )
    key = school_name_key(name)
    for other in session.scalars(select(School)):
        if school_name_key(other.name) == key:
            raise ValueError(
                f"school name {name!r} is taken by school {other.school_id} "
                f"({other.name}): choose a name that tells them apart, such as "
                "one with the area"
            )
    if urn is not None:
        urn = urn.strip()
        if not URN_PATTERN.match(urn):
            raise ValueError(
                f"URN {urn!r} is not valid: a DfE unique reference number has 6 digits"
            )
        existing = session.scalar(select(School).where(School.urn == urn))
        if existing is not None:
            raise ValueError(
                f"URN {urn} already belongs to school {existing.school_id} "
                f"({existing.name}): use that school"
            )
    school = School(name=name, phase=phase, urn=urn, is_demo=is_demo)
    session.add(school)
    session.flush()
    return school


def stakeholder_groups_for(phase: str) -> tuple[str, ...]:
    """Return the stakeholder groups that a school of this phase surveys."""
    return GROUPS_BY_PHASE[phase] + ADULT_GROUPS


def newest_bank_version(session: Session) -> str:
    """Return the newest stored question bank version, like 2025.1."""
    versions = session.scalars(select(QuestionBankVersion.bank_version)).all()
    if not versions:
        raise ValueError(
            "no question bank is stored: run flask --app survey_app db-upgrade"
        )
    return max(versions, key=_version_key)


def _version_key(version: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in version.split("."))


def create_window(
    session: Session,
    school_id: int,
    academic_year: str,
    opens_on: date | None = None,
    closes_on: date | None = None,
    bank_version: str | None = None,
) -> SurveyWindow:
    """Add a school's survey window for one academic year, with one link per group.

    The window opens on 1 September and closes on 31 August unless dates are
    given, and both dates must fall inside the academic year. Without
    bank_version the newest stored question bank is used.
    """
    school = session.get(School, school_id)
    if school is None:
        raise ValueError(
            f"school {school_id} not found: list schools or create one with "
            "flask --app survey_app create-school"
        )
    year_start, year_end = academic_year_bounds(academic_year)
    opens_on = opens_on or year_start
    closes_on = closes_on or year_end
    for label, day in (("opening", opens_on), ("closing", closes_on)):
        if not year_start <= day <= year_end:
            raise ValueError(
                f"{label} date {day.isoformat()} is outside academic year "
                f"{academic_year}: choose a date from {year_start.isoformat()} "
                f"to {year_end.isoformat()}"
            )
    if opens_on > closes_on:
        raise ValueError(
            f"opening date {opens_on.isoformat()} is after closing date "
            f"{closes_on.isoformat()}: swap them or choose other dates"
        )
    existing = session.scalar(
        select(SurveyWindow).where(
            SurveyWindow.school_id == school_id,
            SurveyWindow.academic_year == academic_year,
        )
    )
    if existing is not None:
        raise ValueError(
            f"school {school_id} already has window {existing.window_id} for "
            f"{academic_year}: use that window"
        )

    bank_version = bank_version or newest_bank_version(session)
    if session.get(QuestionBankVersion, bank_version) is None:
        raise ValueError(
            f"question bank {bank_version!r} is not stored: run "
            "flask --app survey_app db-upgrade, or choose a stored version"
        )
    groups = stakeholder_groups_for(school.phase)
    _check_bank_has_groups(session, bank_version, groups)

    window = SurveyWindow(
        school_id=school_id,
        academic_year=academic_year,
        opens_on=opens_on,
        closes_on=closes_on,
        bank_version=bank_version,
    )
    session.add(window)
    session.flush()
    rolls = _rolls_of(session, school_id)
    for group in groups:
        session.add(
            SurveyLink(
                window_id=window.window_id,
                stakeholder_group=group,
                token=_new_token(session),
                access_mode="open",
                kiosk=False,
                number_on_roll=rolls.get(group),
            )
        )
        session.flush()
    return window


def _check_bank_has_groups(session: Session, bank_version: str, groups) -> None:
    stored = set(
        session.scalars(
            select(BankGroup.stakeholder_group).where(
                BankGroup.bank_version == bank_version
            )
        )
    )
    missing = [group for group in groups if group not in stored]
    if missing:
        raise ValueError(
            f"question bank {bank_version} has no questions for "
            f"{', '.join(missing)}: choose a bank version that covers them"
        )


def _rolls_of(session: Session, school_id: int) -> dict[str, int]:
    rows = session.scalars(select(SchoolRoll).where(SchoolRoll.school_id == school_id))
    return {row.stakeholder_group: row.number_on_roll for row in rows}


def _new_token(session: Session) -> str:
    """Return a random link token that no stored link uses."""
    while True:
        token = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
        existing = session.scalar(select(SurveyLink).where(SurveyLink.token == token))
        if existing is None:
            return token


def find_link(session: Session, token: str) -> SurveyLink | None:
    """Return the link with this token, ignoring case and surrounding spaces."""
    token = (token or "").strip().lower()
    if not token or len(token) > 16:
        return None
    return session.scalar(select(SurveyLink).where(SurveyLink.token == token))


def set_access(
    link: SurveyLink,
    mode: str,
    kiosk: bool,
    number_on_roll: int | None,
) -> SurveyLink:
    """Set how respondents get in through a link, and its group's number on roll.

    Mode 'open' lets anyone with the link answer, and 'codes' requires a
    single-use code from each respondent. kiosk sends a shared device back to
    a fresh start page after each submission.
    """
    if mode not in ACCESS_MODES:
        raise ValueError(
            f"access mode {mode!r} is not valid: use one of {', '.join(ACCESS_MODES)}"
        )
    if number_on_roll is not None and not 1 <= number_on_roll <= MAX_NUMBER_ON_ROLL:
        raise ValueError(
            f"number on roll {number_on_roll} is not valid: give a whole number "
            f"from 1 to {MAX_NUMBER_ON_ROLL}, or leave it empty if unknown"
        )
    link.access_mode = mode
    link.kiosk = bool(kiosk)
    link.number_on_roll = number_on_roll
    return link


def issue_access_codes(
    session: Session,
    link: SurveyLink,
    label: str,
    count: int,
    secret_key: str | None = None,
) -> list[str]:
    """Add a batch of single-use codes for a link and return them, formatted.

    The codes exist only in the returned list: the store keeps a peppered
    SHA-256 hash of each. secret_key defaults to the app's SECRET_KEY.
    """
    label = (label or "").strip()
    if not label or len(label) > 100:
        raise ValueError(
            f"label {label!r} is not valid: give a class or group name of 1 to "
            "100 characters, like 5B"
        )
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise ValueError(
            f"count {count} is not valid: issue from 1 to {MAX_CODES_PER_BATCH} "
            "codes at a time"
        )
    # The codes file cannot refer to survey_links by a foreign key, so the
    # link is checked here and the batch is flushed to give a stored batch_id.
    if link.link_id is None or session.get(SurveyLink, link.link_id) is None:
        raise ValueError(
            f"link {link.token!r} is not stored: create the survey link before "
            "issuing codes for it"
        )
    pepper = access_code_pepper(secret_key)
    batch = AccessCodeBatch(link_id=link.link_id, label=label)
    session.add(batch)
    session.flush()
    codes: list[str] = []
    hashes: set[str] = set()
    while len(codes) < count:
        code = _new_code()
        code_hash = hash_access_code(code, pepper)
        if code_hash in hashes or session.get(AccessCode, code_hash) is not None:
            continue
        hashes.add(code_hash)
        codes.append(code)
        session.add(
            AccessCode(
                code_hash=code_hash,
                link_id=link.link_id,
                batch_id=batch.batch_id,
                is_spent=False,
            )
        )
    session.flush()
    return codes


def _new_code() -> str:
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def access_code_pepper(secret_key: str | None = None) -> bytes:
    """Derive the server-side pepper of access code hashes from the secret key."""
    secret_key = secret_key or current_app.config["SECRET_KEY"]
    return hmac.new(
        secret_key.encode(), b"imhars access code pepper", hashlib.sha256
    ).digest()


def normalise_access_code(text: str) -> str | None:
    """Return a typed code in its stored form, or None if it cannot be a code.

    Spaces, dashes and case are ignored, so 'ace 347 xyf' matches 'ACE-347-XYF'.
    """
    characters = re.sub(r"[\s.\-\u2010-\u2015]", "", text or "").upper()
    length = CODE_GROUPS * CODE_GROUP_LENGTH
    if len(characters) != length or any(c not in CODE_ALPHABET for c in characters):
        return None
    return "-".join(
        characters[start : start + CODE_GROUP_LENGTH]
        for start in range(0, length, CODE_GROUP_LENGTH)
    )


def hash_access_code(code: str, pepper: bytes) -> str:
    """Return the stored hash of a code: HMAC-SHA-256 with the pepper, in hex."""
    return hmac.new(pepper, code.encode(), hashlib.sha256).hexdigest()


def window_status(window: SurveyWindow, today: date | None = None) -> WindowStatus:
    """Return whether a window is open on a day (default today in Europe/London)."""
    today = today or london_today()
    if today < window.opens_on:
        return WindowStatus.NOT_YET_OPEN
    if today > window.closes_on:
        return WindowStatus.CLOSED
    return WindowStatus.OPEN


def is_open(window: SurveyWindow, today: date | None = None) -> bool:
    """Return whether a window takes responses on a day (default today)."""
    return window_status(window, today) is WindowStatus.OPEN


def open_windows(session: Session, today: date | None = None) -> list[SurveyWindow]:
    """Return every window open on a day (default today), by school and year."""
    today = today or london_today()
    return list(
        session.scalars(
            select(SurveyWindow)
            .where(SurveyWindow.opens_on <= today, SurveyWindow.closes_on >= today)
            .order_by(SurveyWindow.school_id, SurveyWindow.academic_year)
        )
    )
