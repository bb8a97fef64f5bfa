"""Borough administration: schools, survey windows for many schools, staff accounts.

Nothing here reads the Flask request. Each function checks its input, makes
the change, and adds an audit event naming the administrator. It flushes
but does not commit, so the caller commits the change and its audit event
together. A rejected value raises AdminError, which names the
form field it belongs to.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .audit import record_audit
from .calendar import academic_year_bounds
from .commands.users import EMAIL_PATTERN, normalise_email
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
    stakeholder_groups_for,
)

MAX_NAME_LENGTH = 200
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


# Schools


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
    survey is rejected.
    """
    name = (name or "").strip()
    urn = (urn or "").strip()
    if not name:
        raise AdminError("name", "Enter the school’s name")
    if len(name) > MAX_NAME_LENGTH:
        raise AdminError(
            "name", f"School name must be {MAX_NAME_LENGTH} characters or fewer"
        )
    if not URN_PATTERN.match(urn):
        raise AdminError(
            "urn", f"URN ‘{urn[:20]}’ is not valid: enter 6 digits, like 100123"
        )
    taken = session.scalar(select(School).where(School.urn == urn))
    if taken is not None:
        raise AdminError(
            "urn",
            f"URN {urn} already belongs to {taken.name}: check the number, or "
            "use that school",
        )
    if phase not in PHASES:
        raise AdminError("phase", "Select the school’s phase")

    surveyed = stakeholder_groups_for(phase)
    known_rolls = {
        group: number for group, number in rolls.items() if number is not None
    }
    for group, number in known_rolls.items():
        if group not in STAKEHOLDER_GROUPS:
            raise AdminError(f"roll_{group}", f"Group ‘{group}’ is not known")
        if group not in surveyed:
            raise AdminError(
                f"roll_{group}",
                f"A {phase.replace('_', '-')} school does not survey this group: "
                "leave it empty",
            )
        if not 1 <= number <= MAX_NUMBER_ON_ROLL:
            raise AdminError(
                f"roll_{group}",
                f"Number on roll must be between 1 and {MAX_NUMBER_ON_ROLL:,}",
            )

    school = create_school(session, name, phase, urn=urn)
    for group, number in known_rolls.items():
        session.add(
            SchoolRoll(
                school_id=school.school_id,
                stakeholder_group=group,
                number_on_roll=number,
            )
        )
    session.flush()
    record_audit(
        session,
        administrator,
        "school.created",
        "school",
        school.school_id,
        {"name": name, "urn": urn, "phase": phase, "rolls": known_rolls},
    )
    return school


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
    try:
        year_start, year_end = academic_year_bounds(academic_year)
    except ValueError:
        raise AdminError(
            "academic_year",
            f"Academic year ‘{academic_year[:20]}’ is not valid: write it like 2025/26",
        ) from None
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
            "closes_on", "Closing date must be the same as or after the opening date"
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
    if not display_name:
        raise AdminError("display_name", "Enter the person’s name")
    if len(display_name) > MAX_NAME_LENGTH:
        raise AdminError(
            "display_name", f"Name must be {MAX_NAME_LENGTH} characters or fewer"
        )
    if role not in ROLES:
        raise AdminError("role", "Select what the person can see and do")
    if role == "school":
        if school_id is None or session.get(School, school_id) is None:
            raise AdminError("school_id", "Select the person’s school")
    else:
        school_id = None

    generated = None
    if password is None:
        generated = generate_password()
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
        # The administrator knows this password, so the person chooses their
        # own at first sign-in.
        must_change_password=True,
    )
    session.add(user)
    session.flush()
    record_audit(
        session,
        administrator,
        "user.created",
        "user",
        user.user_id,
        {
            "email": email,
            "display_name": display_name,
            "role": role,
            "school_id": school_id,
            "password": "generated" if generated else "typed",
        },
    )
    return user, generated


def generate_password() -> str:
    """Return a random password like 'k7mq-3xtp-9wze-4hnr'."""
    groups = (
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH))
        for _ in range(PASSWORD_GROUPS)
    )
    return "-".join(groups)


def list_accounts(session: Session) -> list[tuple[User, str | None]]:
    """Return every staff account with its school's name, by email."""
    rows = session.execute(
        select(User, School.name)
        .outerjoin(School, User.school_id == School.school_id)
        .order_by(User.email)
    )
    return [(user, school_name) for user, school_name in rows]
