"""Borough administration: schools, survey windows for many schools, staff accounts.

Nothing here reads the Flask request. Each function checks its input, makes
the change, and adds an audit event naming the administrator. It flushes
but does not commit, so the caller commits the change and its audit event
together. A rejected value raises AdminError, which names the
form field it belongs to.
"""

import re
import secrets
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .audit import record_audit
from .calendar import academic_year_bounds, london_today
from .commands.users import (
    EMAIL_PATTERN,
    begin_write,
    last_admin_problem,
    normalise_email,
)
from .forms.text import hidden_character_problem
from .models import (
    PHASES,
    ROLES,
    STAKEHOLDER_GROUPS,
    School,
    SchoolRoll,
    SurveyWindow,
    User,
)
from .passwords import hash_password, password_problem
from .windows import (
    MAX_NUMBER_ON_ROLL,
    URN_PATTERN,
    create_school,
    create_window,
    school_name_key,
    stakeholder_groups_for,
)

MAX_NAME_LENGTH = 200
# Typed values are quoted back in error messages, cut to this many characters.
MAX_SHOWN_LENGTH = 40
# Generated passwords: 4 groups of 4 characters from an alphabet without
# look-alikes (0/o, 1/l/i, 5/s), about 78 bits, easy to read out and type.
PASSWORD_ALPHABET = "2346789abcdefghjkmnpqrtuvwxyz"  # noqa: S105 - not a secret
PASSWORD_GROUPS = 4
PASSWORD_GROUP_LENGTH = 4


class AdminError(ValueError):
    """A value an administrator entered cannot be used; field names its form field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field_name = field_name
        self.message = message


def shorten(text: str, limit: int = MAX_SHOWN_LENGTH) -> str:
    """Return text cut to limit characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Schools


def check_school_name(session: Session, name: str, school_id: int | None) -> str:
    """Return the name with its spaces tidied, or raise AdminError naming the fix.

    school_id is the school being changed, which may keep its own name.
    """
    name = " ".join((name or "").split())
    if not name:
        raise AdminError("name", "Enter the school’s name")
    problem = hidden_character_problem("School name", name)
    if problem:
        raise AdminError("name", problem)
    if len(name) > MAX_NAME_LENGTH:
        raise AdminError(
            "name",
            f"School name ‘{shorten(name)}’ is {len(name)} characters long: "
            f"shorten it to {MAX_NAME_LENGTH} characters or fewer",
        )
    key = school_name_key(name)
    others = select(School).where(School.school_id != school_id)
    # Objects this session loaded earlier would otherwise keep their old names.
    others = others.execution_options(populate_existing=True)
    for other in session.scalars(others):
        if school_name_key(other.name) == key:
            urn = f"URN {other.urn}" if other.urn else "no URN"
            raise AdminError(
                "name",
                f"Another school ({urn}) is already named ‘{other.name}’: add a "
                "word that tells them apart, such as the area",
            )
    return name


def check_urn(
    session: Session, urn: str, school_id: int | None, *, required: bool = True
) -> str | None:
    """Return the URN stripped, or raise AdminError when it is invalid or taken.

    With required False an empty URN is allowed and returned as None.
    """
    urn = (urn or "").strip()
    if not urn and not required:
        return None
    if not urn:
        raise AdminError("urn", "Enter the school’s URN, like 100123")
    if not URN_PATTERN.match(urn):
        raise AdminError(
            "urn", f"URN ‘{shorten(urn, 20)}’ is not valid: enter 6 digits, like 100123"
        )
    taken = session.scalar(
        select(School).where(School.urn == urn, School.school_id != school_id)
    )
    if taken is not None:
        raise _urn_taken(urn, taken.name)
    return urn


def _urn_taken(urn: str, owner: str) -> AdminError:
    return AdminError(
        "urn",
        f"URN {urn} already belongs to {owner}: check the number, or use that school",
    )


def _flush_school(session: Session, urn: str | None) -> None:
    """Flush a school's change, turning a clash on the unique URN into AdminError.

    The URN check runs in the same write transaction, so a clash means a
    writer that did not take the write lock first, such as a script.
    """
    try:
        session.flush()
    except IntegrityError as error:
        if urn is None or "urn" not in str(error.orig).lower():
            raise
        raise _urn_taken(urn, "another school") from error


def check_rolls(phase: str, rolls: dict[str, int | None]) -> dict[str, int]:
    """Return the known numbers on roll, or raise AdminError for one that is not valid.

    A number for a group that a school of this phase does not survey is
    rejected.
    """
    surveyed = stakeholder_groups_for(phase)
    known_rolls = {
        group: number for group, number in rolls.items() if number is not None
    }
    for group, number in known_rolls.items():
        if group not in STAKEHOLDER_GROUPS:
            raise AdminError(f"roll_{group}", f"Group ‘{shorten(group)}’ is not known")
        if group not in surveyed:
            raise AdminError(
                f"roll_{group}",
                f"A {phase.replace('_', '-')} school does not survey this group: "
                f"leave it empty, not {shorten(f'{number:,}', 20)}",
            )
        if not 1 <= number <= MAX_NUMBER_ON_ROLL:
            raise AdminError(
                f"roll_{group}",
                f"Number on roll {shorten(f'{number:,}', 20)} is not valid: enter a "
                f"number between 1 and {MAX_NUMBER_ON_ROLL:,}",
            )
    return known_rolls


def create_school_with_rolls(
    session: Session,
    administrator: User,
    *,
    name: str,
    urn: str,
    phase: str,
    rolls: dict[str, int | None],
) -> School:
    """Add a school and its number on roll per stakeholder group, where known.

    rolls maps a stakeholder group to its number on roll, or None when it is
    not known. A number for a group that a school of this phase does not
    survey is rejected. A new school needs a URN, because every school in
    England has one before it opens and the import matches schools by it.
    The checks and the insert are one write transaction, so two requests
    cannot both add the same name or URN.
    """
    begin_write(session)
    name = check_school_name(session, name, None)
    urn = check_urn(session, urn, None)
    if phase not in PHASES:
        raise AdminError("phase", "Select the school’s phase")
    known_rolls = check_rolls(phase, rolls)

    try:
        school = create_school(session, name, phase, urn=urn)
    except IntegrityError as error:
        if "urn" not in str(error.orig).lower():
            raise
        raise _urn_taken(urn, "another school") from error
    for group, number in known_rolls.items():
        session.add(
            SchoolRoll(
                school_id=school.school_id,
                stakeholder_group=group,
                number_on_roll=number,
            )
        )
    session.flush()
    detail = {"name": name, "urn": urn, "phase": phase}
    if known_rolls:
        detail["rolls"] = known_rolls
    record_audit(
        session, administrator, "school.created", "school", school.school_id, detail
    )
    return school


def update_school(
    session: Session,
    administrator: User,
    school: School,
    *,
    name: str,
    urn: str,
    phase: str,
    rolls: dict[str, int | None],
) -> dict[str, list]:
    """Change a school's name, URN, phase and numbers on roll.

    Returns the changes as {field: [before, after]}, which the audit event
    also stores. An empty result means nothing changed, and then no audit
    event is added. Survey windows already opened keep the links of the groups
    they were opened with, whatever the new phase. A school stored without a
    URN may stay without one, but a URN once given cannot be removed. The
    checks and the change are one write transaction.
    """
    begin_write(session)
    session.refresh(school)
    name = check_school_name(session, name, school.school_id)
    urn = check_urn(session, urn, school.school_id, required=school.urn is not None)
    if phase not in PHASES:
        raise AdminError("phase", "Select the school’s phase")
    known_rolls = check_rolls(phase, rolls)

    changes: dict[str, list] = {}
    for field_name, value in (("name", name), ("urn", urn), ("phase", phase)):
        before = getattr(school, field_name)
        if before != value:
            changes[field_name] = [before, value]
            setattr(school, field_name, value)

    stored_rolls = {
        roll.stakeholder_group: roll
        for roll in session.scalars(
            select(SchoolRoll).where(SchoolRoll.school_id == school.school_id)
        )
    }
    for group in STAKEHOLDER_GROUPS:
        roll = stored_rolls.get(group)
        before = roll.number_on_roll if roll is not None else None
        after = known_rolls.get(group)
        if before == after:
            continue
        changes[f"roll_{group}"] = [before, after]
        if after is None:
            session.delete(roll)
        elif roll is None:
            session.add(
                SchoolRoll(
                    school_id=school.school_id,
                    stakeholder_group=group,
                    number_on_roll=after,
                )
            )
        else:
            roll.number_on_roll = after
    _flush_school(session, urn)
    if changes:
        record_audit(
            session,
            administrator,
            "school.updated",
            "school",
            school.school_id,
            changes,
        )
    return changes


def list_schools(session: Session) -> list[School]:
    """Return every school, by name."""
    return list(session.scalars(select(School).order_by(School.name)))


def school_rolls(session: Session) -> dict[int, dict[str, int]]:
    """Return each school's number on roll per stakeholder group."""
    rolls: dict[int, dict[str, int]] = {}
    for roll in session.scalars(select(SchoolRoll)):
        rolls.setdefault(roll.school_id, {})[roll.stakeholder_group] = (
            roll.number_on_roll
        )
    return rolls


def window_years(session: Session) -> dict[int, list[str]]:
    """Return the academic years each school has a survey window for, newest first."""
    years: dict[int, list[str]] = {}
    rows = session.execute(
        select(SurveyWindow.school_id, SurveyWindow.academic_year).order_by(
            SurveyWindow.academic_year.desc()
        )
    )
    for school_id, academic_year in rows:
        years.setdefault(school_id, []).append(academic_year)
    return years


# Survey windows


@dataclass
class WindowsOpened:
    """The outcome of opening windows for several schools, school by school."""

    academic_year: str
    opened: list[tuple[School, SurveyWindow]] = field(default_factory=list)
    # Schools that already had a window for the year, with that window.
    existing: list[tuple[School, SurveyWindow]] = field(default_factory=list)
    # Schools whose window could not be created, with the reason.
    failed: list[tuple[School, str]] = field(default_factory=list)


def open_windows(
    session: Session,
    administrator: User,
    *,
    school_ids: list[int],
    academic_year: str,
    opens_on: date,
    closes_on: date,
) -> WindowsOpened:
    """Open a survey window for one academic year at each chosen school.

    A school that already has a window for the year is reported and keeps
    it. create_window checks everything before it adds a row, so a school it
    rejects, for example because the question bank lacks one of its groups,
    is reported and the other schools still get their windows.
    """
    academic_year = (academic_year or "").strip()
    year_start, year_end = check_academic_year(academic_year)
    for field_name, label, day in (
        ("opens_on", "Opening date", opens_on),
        ("closes_on", "Closing date", closes_on),
    ):
        if not year_start <= day <= year_end:
            raise AdminError(
                field_name,
                f"{label} must be in {academic_year}, from "
                f"{_long_date(year_start)} to {_long_date(year_end)}",
            )
    if opens_on > closes_on:
        raise AdminError(
            "closes_on",
            f"Closing date {_long_date(closes_on)} is before the opening date "
            f"{_long_date(opens_on)}: choose a closing date on or after it",
        )
    today = london_today()
    if closes_on < today:
        # Earlier years' responses come in through the import, which makes
        # its own windows, so a window that has already closed is a typing
        # mistake.
        raise AdminError(
            "closes_on",
            f"Closing date {_long_date(closes_on)} is in the past: choose today, "
            f"{_long_date(today)}, or a later date",
        )

    schools = list(
        session.scalars(
            select(School).where(School.school_id.in_(school_ids)).order_by(School.name)
        )
    )
    if not schools:
        raise AdminError("school_ids", "Select at least one school or phase")

    result = WindowsOpened(academic_year=academic_year)
    for school in schools:
        existing = session.scalar(
            select(SurveyWindow).where(
                SurveyWindow.school_id == school.school_id,
                SurveyWindow.academic_year == academic_year,
            )
        )
        if existing is not None:
            result.existing.append((school, existing))
            continue
        try:
            window = create_window(
                session,
                school.school_id,
                academic_year,
                opens_on=opens_on,
                closes_on=closes_on,
            )
        except ValueError as error:
            result.failed.append((school, str(error)))
            continue
        record_audit(
            session,
            administrator,
            "survey_window.created",
            "survey_window",
            window.window_id,
            {
                "school_id": school.school_id,
                "school_name": school.name,
                "academic_year": academic_year,
                "opens_on": opens_on.isoformat(),
                "closes_on": closes_on.isoformat(),
                "bank_version": window.bank_version,
            },
        )
        result.opened.append((school, window))
    session.flush()
    return result


def check_academic_year(academic_year: str) -> tuple[date, date]:
    """Return the first and last day of the year, or raise AdminError naming the fix."""
    try:
        return academic_year_bounds(academic_year)
    except ValueError:
        pass
    fix = "write it like"
    example = "2025/26"
    match = re.fullmatch(r"(\d{4})\D{0,3}(\d{2,4})", academic_year)
    if match:
        start = int(match.group(1))
        example = f"{start}/{(start + 1) % 100:02d}"
        if academic_year == f"{start}/{match.group(2)}" and len(match.group(2)) == 2:
            fix = "the second year must follow the first, like"
    raise AdminError(
        "academic_year",
        f"Academic year ‘{shorten(academic_year, 20)}’ is not valid: {fix} {example}",
    )


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# Staff accounts


def create_account(
    session: Session,
    administrator: User,
    *,
    email: str,
    display_name: str,
    role: str,
    school_id: int | None,
    password: str | None,
) -> tuple[User, str | None]:
    """Create a staff account; return it and the generated password, if any.

    With password None a random password is generated and returned: the
    store keeps only its Argon2id hash, so the page that shows it is the
    only place it ever appears.
    """
    email = normalise_email(email or "")
    display_name = (display_name or "").strip()
    if not email:
        raise AdminError("email", "Enter the person’s email address")
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise AdminError(
            "email",
            f"Email address ‘{email[:60]}’ is not valid: write it like "
            "name@example.com",
        )
    taken = session.scalar(select(User.user_id).where(func.lower(User.email) == email))
    if taken is not None:
        raise AdminError("email", f"An account with the email address {email} exists")
    for field_name, label, text in (
        ("email", "Email address", email),
        ("display_name", "Full name", display_name),
    ):
        problem = hidden_character_problem(label, text)
        if problem:
            raise AdminError(field_name, problem)
    if not display_name:
        raise AdminError("display_name", "Enter the person’s name")
    if len(display_name) > MAX_NAME_LENGTH:
        raise AdminError(
            "display_name",
            f"Name ‘{shorten(display_name)}’ is {len(display_name)} characters long: "
            f"shorten it to {MAX_NAME_LENGTH} characters or fewer",
        )
    if role not in ROLES:
        raise AdminError("role", "Select what the person can see and do")
    if role == "school":
        if school_id is None:
            raise AdminError("school_id", "Select the person’s school")
        if session.get(School, school_id) is None:
            raise AdminError(
                "school_id",
                f"School {school_id} does not exist: choose the person’s school "
                "in the list",
            )
    else:
        school_id = None

    generated = None
    if password is None:
        generated = generate_password(email)
        password = generated
    problem = password_problem(password, email)
    if problem:
        raise AdminError("password", problem)

    user = User(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        school_id=school_id,
        # The administrator chose this password, so the person chooses their
        # own at first sign-in.
        must_change_password=True,
    )
    session.add(user)
    session.flush()
    detail = {
        "email": email,
        "display_name": display_name,
        "role": role,
        "password": "generated" if generated else "typed",
    }
    if school_id is not None:
        detail["school_id"] = school_id
    record_audit(session, administrator, "user.created", "user", user.user_id, detail)
    return user, generated


def set_account_active(
    session: Session, administrator: User, user: User, *, active: bool
) -> bool:
    """Deactivate or reactivate an account, and return whether it changed.

    Deactivating also ends every session of the account, because a signed-in
    session is checked against session_version on each request. An
    administrator cannot deactivate their own account, nor the last other
    active administrator. That check and the change are one write
    transaction, so two administrators deactivating each other at once
    cannot both succeed. The caller commits, or rolls back on AdminError.
    """
    if user.user_id == administrator.user_id and not active:
        raise AdminError(
            "account",
            f"You cannot deactivate your own account, {user.email}: ask another "
            "administrator to do it",
        )
    begin_write(session)
    session.refresh(user)
    problem = last_admin_problem(session, user, active)
    if problem:
        raise AdminError("account", problem)
    if user.is_active == active:
        return False
    user.is_active = active
    if not active:
        user.session_version += 1
    session.flush()
    record_audit(
        session,
        administrator,
        "user.reactivated" if active else "user.deactivated",
        "user",
        user.user_id,
        {"email": user.email, "is_active": [not active, active]},
    )
    return True


def reset_password(session: Session, administrator: User, user: User) -> str:
    """Give an account a generated password and return it, to be shown once.

    The person must choose their own password at next sign-in, and every
    session of the account ends.
    """
    if user.user_id == administrator.user_id:
        raise AdminError(
            "account",
            "You cannot reset your own password here: use Change password, which "
            "asks for your current one",
        )
    password = generate_password(user.email)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.session_version += 1
    session.flush()
    record_audit(
        session,
        administrator,
        "user.password_reset",
        "user",
        user.user_id,
        {"email": user.email, "password": "generated"},
    )
    return password


def generate_password(email: str = "") -> str:
    """Return a random password like 'k7mq-3xtp-9wze-4hnr' that passes the strength
    rule for this email address."""
    while True:
        groups = (
            "".join(
                secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH)
            )
            for _ in range(PASSWORD_GROUPS)
        )
        password = "-".join(groups)
        # One of the four groups spells a 4-letter part of the email before
        # the @ in about one password in 177,000 (4 / 29**4).
        if password_problem(password, email) is None:
            return password


def list_accounts(session: Session) -> list[tuple[User, str | None]]:
    """Return every staff account with its school's name, by email."""
    rows = session.execute(
        select(User, School.name)
        .outerjoin(School, User.school_id == School.school_id)
        .order_by(User.email)
    )
    return [(user, school_name) for user, school_name in rows]
