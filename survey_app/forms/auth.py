"""Forms for staff sign-in, sign-out and changing a password."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Regexp, ValidationError

from ..passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

# Deliberately loose: the account lookup is the real check, and this only
# catches a mistyped address before it costs a sign-in attempt.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class SignInForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[lambda value: value.strip() if value else value],
        validators=[
            InputRequired("Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Regexp(
                EMAIL_PATTERN,
                message=(
                    "Enter an email address in the correct format, "
                    "like name@example.com"
                ),
            ),
        ],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Enter your password"),
            Length(
                max=MAX_PASSWORD_LENGTH,
                message=f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer",
            ),
        ],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class SignOutForm(FlaskForm):
    """A button only: signing out is a POST so that a link cannot do it."""

    submit = SubmitField("Sign out", widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    """The current password, then a new one typed twice.

    The view checks the current password and the new one's strength, which
    need the account.
    """

    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Enter your current password"),
            Length(
                max=MAX_PASSWORD_LENGTH,
                message=f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer",
            ),
        ],
    )
    new_password = PasswordField(
        "New password",
        description=(
            f"At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words "
            "are easy to remember and hard to guess."
        ),
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter a new password")],
    )
    confirm_password = PasswordField(
        "Type the new password again",
        widget=GovPasswordInput(),
        validators=[InputRequired("Type the new password again")],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())

    def validate_confirm_password(self, field):
        if field.data != self.new_password.data:
            raise ValidationError("The two new passwords are different")
