"""The strength rule that every new password passes: length, and no email address."""

import pytest

from survey_app.admin import generate_password
from survey_app.passwords import password_problem


@pytest.mark.parametrize(
    ("password", "email", "message"),
    [
        ("short", "", "Password must be 12 characters or more"),
        ("x" * 257, "", "Password must be 256 characters or fewer"),
        ("aaaaaaaaaaaaa", "", "Password must not repeat one character"),
        (
            "s@walk.test1234",
            "s@walk.test",
            "Password must not contain the email address: choose another",
        ),
        (
            "Lead@Hilltop.Example!",
            "lead@hilltop.example",
            "Password must not contain the email address: choose another",
        ),
        (
            "my sam.jones garden",
            "Sam.Jones@school.example",
            "Password must not contain ‘sam.jones’ from the email address: "
            "choose another",
        ),
        (
            "LEADING the way home",
            "lead@hilltop.example",
            "Password must not contain ‘lead’ from the email address: choose another",
        ),
    ],
)
def test_weak_password_rejected(password, email, message):
    assert password_problem(password, email) == message


@pytest.mark.parametrize(
    ("password", "email"),
    [
        # A part before the @ of fewer than 4 characters occurs in ordinary words.
        ("joyful walking boots", "jo@walk.test"),
        ("correct horse battery", "sam@school.example"),
        ("correct horse battery", ""),
    ],
)
def test_strong_password_accepted(password, email):
    assert password_problem(password, email) is None


def test_generated_password_avoids_email_part():
    passwords = [generate_password("abcd@school.example") for _ in range(200)]

    assert all(
        password_problem(password, "abcd@school.example") is None
        for password in passwords
    )
    assert all(len(password) == 19 for password in passwords)
