"""Borough administration pages: schools, survey windows, accounts, the audit log.

Administrators only; borough and school users get 403. Each page reads the
form, calls survey_app.admin, and commits the change with its audit event.
"""

import json
import math

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    DateField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Optional,
    StopValidation,
    ValidationError,
)

from .. import MAX_STORE_INTEGER
from .. import admin as service
from ..audit import list_audit_events
from ..auth import login_required
from ..db import get_db
from ..forms.text import PlainText
from ..models import PHASES, STAKEHOLDER_GROUPS, School, User
from ..passwords import password_problem
from ..results import GROUP_TITLES, format_london_time
from ..windows import MAX_NUMBER_ON_ROLL, URN_PATTERN

bp = Blueprint("admin", __name__, url_prefix="/admin")

PHASE_LABELS = {
    "primary": "Primary",
    "secondary": "Secondary",
    "special": "Special",
    "all_through": "All-through",
}
ROLE_LABELS = {
    "school": "School staff: their own school’s results and self-review",
    "borough": "Borough officer: every school’s results and the borough pages",
    "admin": "Administrator: all of that, and this administration",
}
# Titles of audit actions on the audit log page. user_created and
# password_changed are the names that the command line wrote before it used
# the same names as the pages.
ACTION_TITLES = {
    "school.created": "School added",
    "school.updated": "School changed",
    "survey_window.created": "Survey window opened",
    "user.created": "Account created",
    "user_created": "Account created",
    "user.deactivated": "Account deactivated",
    "user.reactivated": "Account reactivated",
    "user.password_reset": "Password reset",
    "user.password_set": "Password set",
    "password_changed": "Password set",
}
# Shown for a value that is not known, such as a school without a URN.
MISSING = "–"
AUDIT_PAGE_SIZE = 50
FORM_EXPIRED = "This page expired, so nothing was saved. Try again"


# Forms


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class WholeNumberField(IntegerField):
    """An integer field whose parse error names the value typed and the fix.

    invalid_message is a format string with a {value} field.
    """

    def __init__(self, label, invalid_message: str, **kwargs):
        super().__init__(label, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip()
        if not text:
            self.data = None
            return
        # int() would also take "1_000", "+5" and other scripts' digits.
        if not (text.isascii() and text.isdigit()):
            self.data = None
            shown = service.shorten(text, 20)
            raise ValueError(self.invalid_message.format(value=shown))
        if len(text) > len(str(MAX_STORE_INTEGER)):
            # int() rejects more than 4,300 digits by default (Python 3.11's
            # int_max_str_digits), and the store's integers have at most 19.
            self.data = None
            raise ValueError(
                f"Number on roll {service.shorten(text, 20)} is not valid: enter a "
                f"number between 1 and {MAX_NUMBER_ON_ROLL:,}"
            )
        self.data = int(text)


class SchoolIdField(SelectField):
    """The school select of the account form, whose parse error names the value.

    The service checks that the school exists, so a value only has to be an
    id the store can hold, or empty for no school.
    """

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip()
        if not text:
            self.data = None
            return
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_STORE_INTEGER:
            self.data = None
            raise ValueError(
                f"School ‘{service.shorten(text, 20)}’ is not one of the listed "
                "schools: choose the person’s school in the list"
            )
        self.data = int(text)


DATE_PARTS = ("day", "month", "year")


class DateInputField(DateField):
    """A GOV.UK date input: day, month and year boxes.

    Its errors name what was typed: the missing parts, or the date that
    does not exist.
    """

    def __init__(self, label, example: str, **kwargs):
        super().__init__(label, format="%d %m %Y", **kwargs)
        self.example = example

    def process_formdata(self, valuelist):
        parts = [part.strip() for part in valuelist]
        if len(parts) != 3:
            # The widget renders raw_data back into exactly three boxes, so a
            # request with another number of values is shown as empty boxes.
            self.raw_data = None
            self.data = None
            if any(parts):
                shown = service.shorten(" ".join(parts), 20)
                raise ValueError(
                    f"{self.label.text} ‘{shown}’ is not a real date: enter the "
                    f"day, month and year in their own boxes, like {self.example}"
                )
            return
        if not any(parts):
            self.data = None
            return
        missing = [
            name for name, part in zip(DATE_PARTS, parts, strict=True) if not part
        ]
        if missing:
            self.data = None
            given = ", ".join(
                f"{name} {service.shorten(part, 6)}"
                for name, part in zip(DATE_PARTS, parts, strict=True)
                if part
            )
            raise ValueError(
                f"{self.label.text} must include a {' and a '.join(missing)}: you "
                f"entered {given}. Enter it like {self.example}"
            )
        try:
            super().process_formdata(parts)
        except ValueError:
            self.data = None
        if self.data is None:
            shown = " ".join(service.shorten(part, 6) for part in parts)
            raise ValueError(
                f"{self.label.text} ‘{shown}’ is not a real date: enter a day, month "
                f"and year that exist, like {self.example}"
            )


class SingleValueForm(FlaskForm):
    """A form that rejects a field sent more than once, naming the field.

    WTForms would read only the first value, so a tampered or doubled form
    would be saved with one of its values silently dropped. Fields that take
    several values, such as checkboxes and date boxes, are exempt, and so are
    the CSRF token, which Flask-WTF checks, and the button, which has no
    value.
    """

    def validate(self, extra_validators=None) -> bool:
        is_valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field, MULTIPLE_VALUE_FIELDS):
                continue
            sent = len(field.raw_data or [])
            if sent > 1:
                field.errors = [
                    *field.errors,
                    f"{field.label.text} was sent {sent} times in one form, so "
                    "nothing was saved: fill in this page and send it once",
                ]
                is_valid = False
        return is_valid


MULTIPLE_VALUE_FIELDS = (
    SelectMultipleField,
    DateInputField,
    CSRFTokenField,
    SubmitField,
)


def _check_urn(form, field):
    if field.data and not URN_PATTERN.match(field.data):
        raise ValidationError(
            f"URN ‘{service.shorten(field.data, 20)}’ is not valid: enter 6 digits, "
            "like 100123"
        )


def _max_length(label: str):
    """Reject text longer than the store keeps, naming the text and its length."""

    def validate(form, field):
        if field.data and len(field.data) > service.MAX_NAME_LENGTH:
            raise ValidationError(
                f"{label} ‘{service.shorten(field.data)}’ is {len(field.data)} "
                f"characters long: shorten it to {service.MAX_NAME_LENGTH} "
                "characters or fewer"
            )

    return validate


def _date_required(message: str):
    """Require a date, keeping a 'must be a real date' error when there is one."""

    def validate(form, field):
        if field.data is None and not field.process_errors:
            raise StopValidation(message)

    return validate


class SchoolForm(SingleValueForm):
    name = StringField(
        "School name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter the school’s name"),
            PlainText("School name"),
            _max_length("School name"),
        ],
    )
    urn = StringField(
        "Unique reference number (URN)",
        description="The school’s 6-digit DfE number, like 100123",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[InputRequired("Enter the school’s URN, like 100123"), _check_urn],
    )
    phase = RadioField(
        "Phase",
        choices=[SelectChoice(phase, PHASE_LABELS[phase]) for phase in PHASES],
        widget=GovRadioInput(),
        invalid_choice_message="Select the school’s phase",
        validators=[InputRequired("Select the school’s phase")],
    )
    submit = SubmitField("Add school", widget=GovSubmitInput())


# One optional number on roll per stakeholder group, named roll_<group>.
for _group in STAKEHOLDER_GROUPS:
    setattr(
        SchoolForm,
        f"roll_{_group}",
        WholeNumberField(
            f"{GROUP_TITLES[_group]} (optional)",
            f"Number of {GROUP_TITLES[_group].lower()} ‘{{value}}’ is not a whole "
            "number: enter it in digits, like 120",
            widget=GovTextInput(),
            validators=[Optional()],
        ),
    )


class EditSchoolForm(SchoolForm):
    # The service requires a URN unless the school is stored without one.
    urn = StringField(
        "Unique reference number (URN)",
        description="The school’s 6-digit DfE number, like 100123",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[_check_urn],
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class AccountActionForm(FlaskForm):
    """A button only: each change of an account is a POST with a CSRF token."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class WindowsForm(SingleValueForm):
    phases = SelectMultipleField(
        "Every school of a phase",
        choices=[SelectChoice(phase, PHASE_LABELS[phase]) for phase in PHASES],
        widget=GovCheckboxesInput(),
        invalid_choice_message="Select phases from the list",
        validators=[Optional()],
    )
    school_ids = SelectMultipleField(
        "Or these schools",
        coerce=int,
        widget=GovCheckboxesInput(),
        invalid_choice_message="Select schools from the list",
        validators=[Optional()],
    )
    academic_year = StringField(
        "Academic year",
        description="For example, 2025/26",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[InputRequired("Enter the academic year, like 2025/26")],
    )
    opens_on = DateInputField(
        "Opening date",
        "12 1 2026",
        description="For example, 12 1 2026",
        widget=GovDateInput(),
        validators=[_date_required("Enter the opening date")],
    )
    closes_on = DateInputField(
        "Closing date",
        "27 3 2026",
        description="For example, 27 3 2026",
        widget=GovDateInput(),
        validators=[_date_required("Enter the closing date")],
    )
    submit = SubmitField("Open survey windows", widget=GovSubmitInput())

    def validate_academic_year(self, field):
        try:
            service.check_academic_year(field.data)
        except service.AdminError as error:
            raise ValidationError(error.message) from None


class AccountForm(SingleValueForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter the person’s email address"),
            PlainText("Email address"),
        ],
    )
    display_name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter the person’s name"),
            PlainText("Full name"),
            _max_length("Full name"),
        ],
    )
    role = RadioField(
        "What can they see and do?",
        choices=[SelectChoice(role, label) for role, label in ROLE_LABELS.items()],
        widget=GovRadioInput(),
        invalid_choice_message="Select what the person can see and do",
        validators=[InputRequired("Select what the person can see and do")],
    )
    school_id = SchoolIdField(
        "School (for school staff)",
        coerce=lambda value: int(value) if value not in (None, "") else None,
        widget=GovSelect(),
        validate_choice=False,
    )
    password_choice = RadioField(
        "Password",
        choices=[
            SelectChoice("generate", "Make a password for me, shown once"),
            SelectChoice("type", "I will type a password"),
        ],
        default="generate",
        widget=GovRadioInput(),
        invalid_choice_message="Select how to set the password",
        validators=[InputRequired("Select how to set the password")],
    )
    password = PasswordField(
        "Password, if you type one",
        description="12 characters or more",
        widget=GovPasswordInput(),
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())

    def validate_school_id(self, field):
        if field.process_errors:
            raise StopValidation()
        if self.role.data == "school" and field.data is None:
            raise ValidationError("Select the person’s school")

    def validate_password(self, field):
        if self.password_choice.data != "type":
            return
        if not field.data:
            raise ValidationError("Enter a password, or choose to have one made")
        problem = password_problem(field.data, self.email.data or "")
        if problem:
            raise ValidationError(problem)


# Views


# The result of _save when the service rejected a value. A sentinel, because
# a change that succeeds may itself return None or an empty result.
REJECTED = object()


def _save(db, form, change):
    """Run change() and commit it, or roll it back and show its error on the form.

    An AdminError names a field of the form, and its message goes under that
    field, or under the submit button when the form has no such field.
    Returns change()'s result, or REJECTED.
    """
    try:
        result = change()
    except service.AdminError as error:
        db.rollback()
        field = form[error.field_name] if error.field_name in form else form.submit
        field.errors = [*field.errors, error.message]
        return REJECTED
    db.commit()
    return result


@bp.get("")
@login_required("admin")
def index():
    return render_template("admin/index.html")


@bp.get("/schools")
@login_required("admin")
def schools():
    db = get_db()
    return render_template(
        "admin/schools.html",
        schools=service.list_schools(db),
        rolls=service.school_rolls(db),
        window_years=service.window_years(db),
        phase_labels=PHASE_LABELS,
        group_titles=GROUP_TITLES,
    )


@bp.route("/schools/new", methods=["GET", "POST"])
@login_required("admin")
def new_school():
    form = SchoolForm()
    is_valid = form.validate_on_submit()
    if form.csrf_token.errors:
        flash(FORM_EXPIRED)
        return redirect(url_for(".new_school"))
    if is_valid:
        db = get_db()
        school = _save(
            db,
            form,
            lambda: service.create_school_with_rolls(
                db, g.user, **_school_values(form)
            ),
        )
        if school is not REJECTED:
            current_app.logger.info(
                "School created",
                extra={"school_id": school.school_id, "user_id": g.user.user_id},
            )
            flash(f"{school.name} added", "success")
            return redirect(url_for(".schools"), 303)
    return _render_school_form("admin/new-school.html", form)


def _school_values(form: SchoolForm) -> dict:
    """Return the school form's values as the service's keyword arguments."""
    return {
        "name": form.name.data,
        "urn": form.urn.data,
        "phase": form.phase.data,
        "rolls": {group: form[f"roll_{group}"].data for group in STAKEHOLDER_GROUPS},
    }


def _render_school_form(template: str, form: SchoolForm, **context):
    return render_template(
        template,
        form=form,
        roll_fields=[form[f"roll_{group}"] for group in STAKEHOLDER_GROUPS],
        max_number_on_roll=MAX_NUMBER_ON_ROLL,
        **context,
    )


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@login_required("admin")
def edit_school(school_id):
    """Change a school's name, URN, phase and numbers on roll."""
    db = get_db()
    school = db.get(School, school_id)
    if school is None:
        abort(404)
    current_rolls = service.school_rolls(db).get(school_id, {})
    form = EditSchoolForm(
        data={
            "name": school.name,
            "urn": school.urn,
            "phase": school.phase,
            **{f"roll_{group}": number for group, number in current_rolls.items()},
        }
    )
    is_valid = form.validate_on_submit()
    if form.csrf_token.errors:
        flash(FORM_EXPIRED)
        return redirect(url_for(".edit_school", school_id=school_id))
    if is_valid:
        changes = _save(
            db,
            form,
            lambda: service.update_school(db, g.user, school, **_school_values(form)),
        )
        if changes is not REJECTED:
            current_app.logger.info(
                "School changed",
                extra={
                    "school_id": school_id,
                    "user_id": g.user.user_id,
                    "fields": sorted(changes),
                },
            )
            if changes:
                flash(f"{school.name} changed", "success")
            else:
                flash(f"Nothing was changed for {school.name}")
            return redirect(url_for(".schools"), 303)
    return _render_school_form("admin/edit-school.html", form, school=school)


@bp.route("/windows/new", methods=["GET", "POST"])
@login_required("admin")
def new_windows():
    """Open survey windows for many schools, and show what happened to each.

    The outcome is the POST's response: each school is listed as opened,
    already open for the year, or failed with the reason.
    """
    db = get_db()
    all_schools = service.list_schools(db)
    form = WindowsForm()
    form.school_ids.choices = [
        SelectChoice(school.school_id, f"{school.name} ({PHASE_LABELS[school.phase]})")
        for school in all_schools
    ]
    is_valid = form.validate_on_submit()
    if form.csrf_token.errors:
        flash(FORM_EXPIRED)
        return redirect(url_for(".new_windows"))
    if is_valid:
        chosen = set(form.school_ids.data or [])
        chosen |= {
            school.school_id
            for school in all_schools
            if school.phase in (form.phases.data or [])
        }
        outcome = _save(
            db,
            form,
            lambda: service.open_windows(
                db,
                g.user,
                school_ids=sorted(chosen),
                academic_year=form.academic_year.data,
                opens_on=form.opens_on.data,
                closes_on=form.closes_on.data,
            ),
        )
        if outcome is not REJECTED:
            current_app.logger.info(
                "Survey windows opened",
                extra={
                    "user_id": g.user.user_id,
                    "opened": len(outcome.opened),
                    "existing": len(outcome.existing),
                    "failed": len(outcome.failed),
                },
            )
            return render_template("admin/windows-opened.html", outcome=outcome)
    return render_template("admin/new-windows.html", form=form)


@bp.get("/accounts")
@login_required("admin")
def accounts():
    return render_template(
        "admin/accounts.html",
        accounts=service.list_accounts(get_db()),
        role_names={"school": "School staff", "borough": "Borough", "admin": "Admin"},
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
@login_required("admin")
def new_account():
    """Create a staff account; a generated password is shown once, in the response."""
    db = get_db()
    form = AccountForm()
    form.school_id.choices = [SelectChoice("", "Not a school user")] + [
        SelectChoice(school.school_id, school.name)
        for school in db.query(School).order_by(School.name)
    ]
    is_valid = form.validate_on_submit()
    if form.csrf_token.errors:
        flash(FORM_EXPIRED)
        return redirect(url_for(".new_account"))
    if is_valid:
        typed = form.password.data if form.password_choice.data == "type" else None
        created = _save(
            db,
            form,
            lambda: service.create_account(
                db,
                g.user,
                email=form.email.data,
                display_name=form.display_name.data,
                role=form.role.data,
                school_id=form.school_id.data,
                password=typed,
            ),
        )
        if created is not REJECTED:
            user, generated = created
            current_app.logger.info(
                "User created",
                extra={"user_id": g.user.user_id, "new_user_id": user.user_id},
            )
            return render_template(
                "admin/account-created.html",
                account=user,
                generated_password=generated,
                role_label=ROLE_LABELS[user.role],
            )
    return render_template("admin/new-account.html", form=form)


@bp.get("/accounts/<int:user_id>")
@login_required("admin")
def account(user_id):
    """Show one account, with buttons to deactivate or reactivate it and reset its
    password."""
    db = get_db()
    user = _account_or_404(db, user_id)
    return _account_page(db, user, AccountActionForm())


@bp.post("/accounts/<int:user_id>/deactivate")
@login_required("admin")
def deactivate_account(user_id):
    return _set_active(user_id, active=False)


@bp.post("/accounts/<int:user_id>/reactivate")
@login_required("admin")
def reactivate_account(user_id):
    return _set_active(user_id, active=True)


@bp.post("/accounts/<int:user_id>/reset-password")
@login_required("admin")
def reset_password(user_id):
    """Give the account a generated password, shown once in the response."""
    db = get_db()
    user = _account_or_404(db, user_id)
    form = AccountActionForm()
    if not form.validate_on_submit():
        flash(FORM_EXPIRED)
        return redirect(url_for(".account", user_id=user_id))
    password = _save(db, form, lambda: service.reset_password(db, g.user, user))
    if password is REJECTED:
        return _account_page(db, user, form)
    current_app.logger.info(
        "Password reset",
        extra={"user_id": g.user.user_id, "account_user_id": user.user_id},
    )
    return render_template(
        "admin/password-reset.html", account=user, generated_password=password
    )


def _set_active(user_id: int, *, active: bool):
    db = get_db()
    user = _account_or_404(db, user_id)
    form = AccountActionForm()
    if not form.validate_on_submit():
        flash(FORM_EXPIRED)
        return redirect(url_for(".account", user_id=user_id))
    changed = _save(
        db, form, lambda: service.set_account_active(db, g.user, user, active=active)
    )
    if changed is REJECTED:
        return _account_page(db, user, form)
    state = "reactivated" if active else "deactivated"
    if changed:
        current_app.logger.info(
            f"Account {state}",
            extra={"user_id": g.user.user_id, "account_user_id": user.user_id},
        )
        flash(f"{user.email} {state}", "success")
    else:
        flash(f"{user.email} was already {state}")
    return redirect(url_for(".account", user_id=user_id), 303)


def _account_or_404(db, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _account_page(db, user: User, form: AccountActionForm):
    school = db.get(School, user.school_id) if user.school_id is not None else None
    return render_template(
        "admin/account.html",
        account=user,
        school=school,
        form=form,
        role_label=ROLE_LABELS[user.role],
        is_self=user.user_id == g.user.user_id,
    )


@bp.get("/audit-log")
@login_required("admin")
def audit_log():
    page_text = request.args.get("page", "1")
    if not page_text.isdecimal() or len(page_text) > 6 or int(page_text) < 1:
        abort(404)
    page = int(page_text)
    events, total = list_audit_events(get_db(), page=page, page_size=AUDIT_PAGE_SIZE)
    pages = max(math.ceil(total / AUDIT_PAGE_SIZE), 1)
    if page > pages:
        abort(404)
    return render_template(
        "admin/audit-log.html",
        events=[
            {
                "event": event,
                "email": email,
                "action": ACTION_TITLES.get(event.action, event.action),
                "detail": _detail_items(event.detail_json),
            }
            for event, email in events
        ],
        page=page,
        pages=pages,
        total=total,
        format_london_time=format_london_time,
    )


def _detail_items(detail_json: str | None) -> list[tuple[str, str]]:
    """Return an audit event's detail as (name, value) pairs for display.

    Values that are null or empty are left out. A change stored as
    [before, after] is shown as "before → after".
    """
    if not detail_json:
        return []
    try:
        detail = json.loads(detail_json)
    except ValueError:
        return [("detail", detail_json)]
    if not isinstance(detail, dict):
        return [("detail", str(detail))]
    return [
        (name, _detail_value(value))
        for name, value in detail.items()
        if value is not None and value != {} and value != []
    ]


def _detail_value(value) -> str:
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(
            f"{GROUP_TITLES.get(key, key)}: {_detail_value(item)}"
            for key, item in value.items()
        )
    if isinstance(value, list) and len(value) == 2:
        return f"{_detail_value(value[0])} → {_detail_value(value[1])}"
    if isinstance(value, list):
        return ", ".join(_detail_value(item) for item in value)
    return str(value)
