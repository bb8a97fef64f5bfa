"""The create-user, set-password and set-active commands."""

import json

import pytest
from sqlalchemy import select

from survey_app.db import get_db
from survey_app.models import AuditEvent, User
from survey_app.passwords import verify_password

from .conftest import PASSWORD


def stored_users(app) -> list[User]:
    with app.app_context():
        return list(get_db().scalars(select(User).order_by(User.user_id)))


def audit_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(get_db().scalars(select(AuditEvent).order_by(AuditEvent.event_id)))


def test_create_user_from_stdin(app, runner, school_ids):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Lead@Hilltop.example",
            "--name",
            "Ada Lead",
            "--role",
            "school",
            "--school-id",
            str(school_ids[0]),
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )

    assert result.exit_code == 0, result.output
    [user] = stored_users(app)
    assert user.email == "lead@hilltop.example"
    assert user.display_name == "Ada Lead"
    assert user.role == "school"
    assert user.school_id == school_ids[0]
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, PASSWORD)
    assert f"(user {user.user_id})" in result.output


def test_create_user_records_audit_without_password(app, runner):
    runner.invoke(
        args=[
            "create-user",
            "--email",
            "officer@borough.example",
            "--name",
            "Bo Officer",
            "--role",
            "borough",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )

    [event] = audit_events(app)
    [user] = stored_users(app)
    assert event.action == "user.created"
    assert event.object_type == "user"
    assert event.object_id == str(user.user_id)
    detail = json.loads(event.detail_json)
    assert detail["email"] == "officer@borough.example"
    assert detail["role"] == "borough"
    assert "school_id" not in detail
    assert PASSWORD not in event.detail_json
    assert user.password_hash not in event.detail_json


def test_create_user_prompts_twice(app, runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "admin@borough.example",
            "--name",
            "Al Admin",
            "--role",
            "admin",
        ],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output
    [user] = stored_users(app)
    assert verify_password(user.password_hash, PASSWORD)


def test_create_user_prompt_mismatch_asks_again(app, runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "admin@borough.example",
            "--name",
            "Al Admin",
            "--role",
            "admin",
        ],
        input=f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert len(stored_users(app)) == 1


@pytest.mark.parametrize(
    ("arguments", "password", "message"),
    [
        (
            ["--role", "school", "--school-id", "999"],
            PASSWORD,
            "School 999 not found: use one of",
        ),
        (
            ["--role", "school"],
            PASSWORD,
            "A school user needs a school: add --school-id",
        ),
        (
            ["--role", "borough", "--school-id", "SCHOOL"],
            PASSWORD,
            "--school-id is only for --role school",
        ),
        (
            ["--role", "borough"],
            "short pass",
            "Password must be 12 characters or more",
        ),
        (
            ["--role", "borough"],
            "a" * 20,
            "Password must not repeat one character",
        ),
        (
            ["--role", "borough", "--email", "not-an-email"],
            PASSWORD,
            "Email address 'not-an-email' is not valid",
        ),
        (
            ["--role", "borough", "--name", "  "],
            PASSWORD,
            "Name is empty",
        ),
        (
            ["--role", "inspector"],
            PASSWORD,
            "'inspector' is not one of 'school', 'borough', 'admin'",
        ),
    ],
    ids=[
        "unknown-school",
        "school-without-school",
        "borough-with-school",
        "short-password",
        "repeated-character",
        "invalid-email",
        "empty-name",
        "unknown-role",
    ],
)
def test_create_user_rejects_bad_input(
    app, runner, school_ids, arguments, password, message
):
    arguments = [
        str(school_ids[0]) if argument == "SCHOOL" else argument
        for argument in arguments
    ]
    base = {"--email": "person@school.example", "--name": "Pat Person"}
    for option, value in base.items():
        if option not in arguments:
            arguments += [option, value]

    result = runner.invoke(
        args=["create-user", *arguments, "--password-stdin"], input=password + "\n"
    )

    assert result.exit_code != 0
    assert message in result.output
    assert stored_users(app) == []
    assert audit_events(app) == []


def test_create_user_rejects_duplicate_email(app, runner, make_user):
    make_user("person@school.example")

    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "PERSON@school.example",
            "--name",
            "Pat Again",
            "--role",
            "borough",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )

    assert result.exit_code == 1
    assert "person@school.example already exists" in result.output
    assert len(stored_users(app)) == 1


def test_set_password_changes_hash_and_audits(app, runner, make_user):
    user_id = make_user("person@school.example")
    new_password = "a new long passphrase"

    result = runner.invoke(
        args=["set-password", "--email", "Person@School.example", "--password-stdin"],
        input=new_password + "\n",
    )

    assert result.exit_code == 0, result.output
    [user] = stored_users(app)
    assert verify_password(user.password_hash, new_password)
    assert not verify_password(user.password_hash, PASSWORD)
    events = audit_events(app)
    assert [event.action for event in events] == ["user.created", "user.password_set"]
    assert events[-1].object_id == str(user_id)
    assert new_password not in events[-1].detail_json
    # The person's sessions end, as after a change on the pages.
    assert user.session_version == 1


def test_set_password_rejects_unknown_email(runner):
    result = runner.invoke(
        args=["set-password", "--email", "nobody@school.example", "--password-stdin"],
        input=PASSWORD + "\n",
    )

    assert result.exit_code == 1
    assert "No user has the email address nobody@school.example" in result.output


def test_set_password_rejects_weak_password(app, runner, make_user):
    make_user("person@school.example")
    before = stored_users(app)[0].password_hash

    result = runner.invoke(
        args=["set-password", "--email", "person@school.example", "--password-stdin"],
        input="person@school.example\n",
    )

    assert result.exit_code == 1
    assert "Password must not contain the email address" in result.output
    assert stored_users(app)[0].password_hash == before


def stored_user(app, email: str) -> User:
    with app.app_context():
        return get_db().scalar(select(User).where(User.email == email))


def test_set_active_reactivates_account(app, runner, make_user):
    make_user("person@school.example", is_active=False)

    result = runner.invoke(args=["set-active", "--email", "Person@School.example"])

    assert result.exit_code == 0, result.output
    assert result.output == "person@school.example reactivated\n"
    assert stored_user(app, "person@school.example").is_active is True
    event = audit_events(app)[-1]
    assert event.action == "user.reactivated"
    assert json.loads(event.detail_json) == {
        "email": "person@school.example",
        "is_active": [False, True],
        "via": "cli",
    }


def test_set_inactive_ends_sessions(app, runner, make_user):
    make_user("person@school.example")
    before = stored_user(app, "person@school.example").session_version

    result = runner.invoke(
        args=["set-active", "--email", "person@school.example", "--inactive"]
    )

    assert result.exit_code == 0, result.output
    user = stored_user(app, "person@school.example")
    assert user.is_active is False
    assert user.session_version == before + 1
    assert audit_events(app)[-1].action == "user.deactivated"


def test_set_active_unchanged_says_so(app, runner, make_user):
    make_user("person@school.example")
    events_before = len(audit_events(app))

    result = runner.invoke(args=["set-active", "--email", "person@school.example"])

    assert result.exit_code == 0, result.output
    assert result.output == "person@school.example is already active\n"
    assert len(audit_events(app)) == events_before


def test_set_inactive_keeps_last_admin(app, runner, make_user):
    make_user("admin@school.example", role="admin")
    make_user("other@school.example", role="admin", is_active=False)

    result = runner.invoke(
        args=["set-active", "--email", "admin@school.example", "--inactive"]
    )

    assert result.exit_code == 1
    assert "admin@school.example is the only active administrator" in result.output
    assert stored_user(app, "admin@school.example").is_active is True


def test_set_active_rejects_unknown_email(runner):
    result = runner.invoke(args=["set-active", "--email", "nobody@school.example"])

    assert result.exit_code == 1
    assert "No user has the email address nobody@school.example" in result.output


def test_set_password_on_deactivated_account_says_so(app, runner, make_user):
    make_user("person@school.example", is_active=False)

    result = runner.invoke(
        args=["set-password", "--email", "person@school.example", "--password-stdin"],
        input="another long password\n",
    )

    assert result.exit_code == 0, result.output
    assert "The account stays deactivated" in result.output
    assert (
        "flask --app survey_app set-active --email person@school.example"
        in result.output
    )
    assert stored_user(app, "person@school.example").is_active is False


@pytest.mark.parametrize(
    ("email", "name", "message"),
    [
        (
            "lead\u200b@school.example",
            "Ada Lead",
            "Email address contains a hidden formatting character (U+200B",
        ),
        ("lead@school.example", "Ada\u202e Lead", "Name contains a hidden formatting"),
        ("lead@school.example", "Ada\x81", "Name contains a hidden control character"),
    ],
)
def test_create_user_rejects_hidden_characters(app, runner, email, name, message):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            email,
            "--name",
            name,
            "--role",
            "borough",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )

    assert result.exit_code == 1
    assert message in result.output
    assert stored_users(app) == []
