"""Staff accounts from the command line: create-user, set-password, set-active.

Passwords come from a hidden prompt (typed twice) or, for scripts, from the
first line of standard input with --password-stdin. No option takes a
password, because options stay in shell history and process lists.
"""

import json
import re
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db import get_db
from ..forms.text import hidden_character_problem
from ..models import ROLES, AuditEvent, School, User
from ..passwords import hash_password, password_problem

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """An account cannot be created or changed as requested."""


def normalise_email(email: str) -> str:
    """Return email stripped and lower-cased, the form in which it is stored."""
    return email.strip().lower()


def create_user(
    db: Session,
    *,
    email: str,
    display_name: str,
    role: str,
    school_id: int | None,
    password: str,
) -> User:
    """Create a staff user and an audit event, or raise AccountError naming the fix."""
    email = normalise_email(email)
    display_name = display_name.strip()
    _check_new_account(db, email, display_name, role, school_id)
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem)

    user = User(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        school_id=school_id,
    )
    db.add(user)
    db.flush()
    detail = {"email": email, "display_name": display_name, "role": role}
    if school_id is not None:
        detail["school_id"] = school_id
    detail["via"] = "cli"
    # The same action name as the administration pages, so the audit log
    # lists both as one kind of change.
    db.add(
        AuditEvent(
            user_id=None,
            action="user.created",
            object_type="user",
            object_id=str(user.user_id),
            detail_json=json.dumps(detail),
        )
    )
    db.commit()
    return user


def set_password(db: Session, *, email: str, password: str) -> User:
    """Replace a user's password and record an audit event without the password."""
    user = find_user(db, email)
    problem = password_problem(password, user.email)
    if problem:
        raise AccountError(problem)

    user.password_hash = hash_password(password)
    # Ends the person's sessions, as a password change on the pages does.
    user.session_version += 1
    db.add(
        AuditEvent(
            user_id=None,
            action="user.password_set",
            object_type="user",
            object_id=str(user.user_id),
            detail_json=json.dumps({"via": "cli"}),
        )
    )
    db.commit()
    return user


def begin_write(db: Session) -> None:
    """Start a write transaction before a check, so no other writer comes between.

    BEGIN IMMEDIATE takes SQLite's write lock at once, on the store and on the
    attached access codes file, and a second writer waits for the busy
    timeout. The session must hold no unsaved changes, and a read transaction
    that it has open is ended first.
    """
    if db.new or db.dirty or db.deleted:
        raise RuntimeError("begin_write needs a session without unsaved changes")
    db.commit()
    connection = db.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def other_active_admins(db: Session, user: User) -> int:
    """Return how many active administrators there are besides user."""
    return db.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.role == "admin",
            User.is_active.is_(True),
            User.user_id != user.user_id,
        )
    )


def last_admin_problem(db: Session, user: User, active: bool) -> str | None:
    """Return why user cannot get this state, or None when it can.

    Deactivating the last active administrator is rejected, because nobody
    could then manage accounts on the pages. Call it inside begin_write.
    """
    if active or user.role != "admin" or not user.is_active:
        return None
    if other_active_admins(db, user) > 0:
        return None
    return (
        f"{user.email} is the only active administrator, so deactivating it "
        "would leave nobody to manage accounts: reactivate or create another "
        "administrator first"
    )


def set_active(db: Session, *, email: str, active: bool) -> tuple[User, bool]:
    """Reactivate or deactivate an account; return it and whether it changed.

    Deactivating ends every session of the account. The check that an active
    administrator remains and the change are one write transaction.
    """
    user = find_user(db, email)
    begin_write(db)
    db.refresh(user)
    problem = last_admin_problem(db, user, active)
    if problem:
        db.rollback()
        raise AccountError(problem)
    if user.is_active == active:
        db.rollback()
        return user, False
    user.is_active = active
    if not active:
        user.session_version += 1
    db.add(
        AuditEvent(
            user_id=None,
            action="user.reactivated" if active else "user.deactivated",
            object_type="user",
            object_id=str(user.user_id),
            detail_json=json.dumps(
                {"email": user.email, "is_active": [not active, active], "via": "cli"}
            ),
        )
    )
    db.commit()
    return user, True


def find_user(db: Session, email: str) -> User:
    """Return the user with this email (any case), or raise AccountError."""
    email = normalise_email(email)
    user = db.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        raise AccountError(f"No user has the email address {email}: check the spelling")
    return user


def _check_new_account(
    db: Session, email: str, display_name: str, role: str, school_id: int | None
) -> None:
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise AccountError(
            f"Email address {email!r} is not valid: write it like name@example.com"
        )
    if not display_name:
        raise AccountError("Name is empty: give the person's name with --name")
    for label, text in (("Email address", email), ("Name", display_name)):
        problem = hidden_character_problem(label, text)
        if problem:
            raise AccountError(problem)
    if role not in ROLES:
        raise AccountError(f"Role {role!r} is not valid: use one of {', '.join(ROLES)}")
    if role == "school" and school_id is None:
        raise AccountError(
            "A school user needs a school: add --school-id with the id of their school"
        )
    if role != "school" and school_id is not None:
        raise AccountError(
            f"--school-id is only for --role school, because {role} users see "
            "every school: leave it out"
        )
    if school_id is not None and db.get(School, school_id) is None:
        raise AccountError(
            f"School {school_id} not found: use one of {_known_schools(db)}"
        )
    if db.scalar(select(User.user_id).where(func.lower(User.email) == email)):
        raise AccountError(
            f"A user with the email address {email} already exists: "
            "use set-password to change their password"
        )


def _known_schools(db: Session) -> str:
    schools = db.execute(
        select(School.school_id, School.name).order_by(School.school_id).limit(21)
    ).all()
    if not schools:
        return "no schools exist yet (create the school first)"
    listed = ", ".join(f"{school_id} ({name})" for school_id, name in schools[:20])
    return listed + (", …" if len(schools) > 20 else "")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-user")
@click.option("--email", required=True, help="Email address the person signs in with.")
@click.option("--name", "display_name", required=True, help="The person's name.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(ROLES),
    help="school: one school's results; borough and admin: every school's.",
)
@click.option(
    "--school-id", type=int, help="The school of a school user (required for them)."
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input, not a prompt.",
)
@with_appcontext
def create_user_command(email, display_name, role, school_id, password_stdin) -> None:
    """Create a staff account; the password is prompted for twice."""
    db = get_db()
    try:
        # Check everything but the password first, so nobody types a password
        # for an account that cannot be created.
        _check_new_account(
            db, normalise_email(email), display_name.strip(), role, school_id
        )
        password = _read_password(password_stdin)
        user = create_user(
            db,
            email=email,
            display_name=display_name,
            role=role,
            school_id=school_id,
            password=password,
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from error

    current_app.logger.info("User created", extra={"user_id": user.user_id})
    where = f" for school {user.school_id}" if user.school_id is not None else ""
    click.echo(f"Created {user.role} user {user.email} (user {user.user_id}){where}")


@click.command("set-password")
@click.option("--email", required=True, help="Email address of the account.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input, not a prompt.",
)
@with_appcontext
def set_password_command(email, password_stdin) -> None:
    """Set a new password for a staff account; the password is prompted for twice."""
    db = get_db()
    try:
        find_user(db, email)
        password = _read_password(password_stdin)
        user = set_password(db, email=email, password=password)
    except AccountError as error:
        raise click.ClickException(str(error)) from error

    current_app.logger.info("Password changed", extra={"user_id": user.user_id})
    click.echo(f"Set a new password for {user.email}")
    if not user.is_active:
        click.echo(
            f"The account stays deactivated, so {user.email} cannot sign in yet: "
            f"reactivate it with flask --app survey_app set-active --email "
            f"{user.email}"
        )


@click.command("set-active")
@click.option("--email", required=True, help="Email address of the account.")
@click.option(
    "--active/--inactive",
    default=True,
    show_default=True,
    help="--active reactivates the account; --inactive deactivates it and ends "
    "its sessions.",
)
@with_appcontext
def set_active_command(email, active) -> None:
    """Reactivate or deactivate a staff account."""
    db = get_db()
    try:
        user, changed = set_active(db, email=email, active=active)
    except AccountError as error:
        raise click.ClickException(str(error)) from error

    if not changed:
        click.echo(f"{user.email} is already {'active' if active else 'deactivated'}")
        return
    state = "reactivated" if active else "deactivated"
    current_app.logger.info(f"Account {state}", extra={"user_id": user.user_id})
    click.echo(f"{user.email} {state}")


commands = [create_user_command, set_password_command, set_active_command]
