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
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from .. import admin as service
from ..audit import list_audit_events
from ..auth import login_required
from ..calendar import academic_year_bounds
from ..db import get_db
from ..forms.text import PlainText
from ..models import PHASES, STAKEHOLDER_GROUPS, School
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
AUDIT_PAGE_SIZE = 50
FORM_EXPIRED = "This page expired, so nothing was saved. Try again"


# Forms


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class WholeNumberField(IntegerField):
    """An integer field whose parse error is a message written for people."""

    def __init__(self, label, invalid_message: str, **kwargs):
        super().__init__(label, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        if valuelist and not valuelist[0].strip():
            self.data = None
            return
        try:
            super().process_formdata([value.strip() for value in valuelist])
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None


class DateInputField(DateField):
    """A GOV.UK date input: day, month and year boxes."""

    def __init__(self, label, invalid_message: str, **kwargs):
        super().__init__(label, format="%d %m %Y", **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        parts = [part.strip() for part in valuelist]
        if len(parts) != 3:
            # The widget renders raw_data back into exactly three boxes, so a
            # request with another number of values is shown as empty boxes.
            self.raw_data = None
            self.data = None
            if any(parts):
                raise ValueError(self.invalid_message)
            return
        if not any(parts):
            self.data = None
            return
        try:
            super().process_formdata(parts)
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None
        if self.data is None:
            raise ValueError(self.invalid_message)


def _date_required(message: str):
    """Require a date, keeping a 'must be a real date' error when there is one."""

    def validate(form, field):
        if field.data is None and not field.process_errors:
            raise StopValidation(message)

    return validate


class SchoolForm(FlaskForm):
    name = StringField(
        "School name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[InputRequired("Enter the school’s name"), PlainText("School name")],
    )
    urn = StringField(
        "Unique reference number (URN)",
        description="The school’s 6-digit DfE number, like 100123",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            InputRequired("Enter the school’s URN, like 100123"),
            Regexp(URN_PATTERN, message="URN must be 6 digits, like 100123"),
        ],
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
            f"Enter the number of {GROUP_TITLES[_group].lower()} as a whole "
            "number, like 120",
            widget=GovTextInput(),
            validators=[Optional()],
        ),
    )


class WindowsForm(FlaskForm):
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
        "Opening date must be a real date",
        description="For example, 12 1 2026",
        widget=GovDateInput(),
        validators=[_date_required("Enter the opening date")],
    )
    closes_on = DateInputField(
        "Closing date",
        "Closing date must be a real date",
        description="For example, 27 3 2026",
        widget=GovDateInput(),
        validators=[_date_required("Enter the closing date")],
    )
    submit = SubmitField("Open survey windows", widget=GovSubmitInput())

    def validate_academic_year(self, field):
        try:
            academic_year_bounds(field.data)
        except ValueError:
            raise ValidationError(
                "Academic year must be written like 2025/26, with the second "
                "year following the first"
            ) from None


class AccountForm(FlaskForm):
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
        validators=[InputRequired("Enter the person’s name"), PlainText("Full name")],
    )
    role = RadioField(
        "What can they see and do?",
        choices=[SelectChoice(role, label) for role, label in ROLE_LABELS.items()],
        widget=GovRadioInput(),
        invalid_choice_message="Select what the person can see and do",
        validators=[InputRequired("Select what the person can see and do")],
    )
    school_id = SelectField(
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
        try:
            school = service.create_school_with_rolls(
                db,
                g.user,
                name=form.name.data,
                urn=form.urn.data,
                phase=form.phase.data,
                rolls={
                    group: form[f"roll_{group}"].data for group in STAKEHOLDER_GROUPS
                },
            )
        except service.AdminError as error:
            db.rollback()
            form[error.field_name].errors.append(error.message)
        else:
            db.commit()
            current_app.logger.info(
                "School created",
                extra={"school_id": school.school_id, "user_id": g.user.user_id},
            )
            flash(f"{school.name} added", "success")
            return redirect(url_for(".schools"), 303)
    return render_template(
        "admin/new-school.html",
        form=form,
        roll_fields=[form[f"roll_{group}"] for group in STAKEHOLDER_GROUPS],
        max_number_on_roll=MAX_NUMBER_ON_ROLL,
    )


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
        try:
            outcome = service.open_windows(
                db,
                g.user,
                school_ids=sorted(chosen),
                academic_year=form.academic_year.data,
                opens_on=form.opens_on.data,
                closes_on=form.closes_on.data,
            )
        except service.AdminError as error:
            db.rollback()
            form[error.field_name].errors.append(error.message)
        else:
            db.commit()
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
        try:
            user, generated = service.create_account(
                db,
                g.user,
                email=form.email.data,
                display_name=form.display_name.data,
                role=form.role.data,
                school_id=form.school_id.data,
                password=typed,
            )
        except service.AdminError as error:
            db.rollback()
            form[error.field_name].errors.append(error.message)
        else:
            db.commit()
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
    """Return an audit event's detail as (name, value) pairs for display."""
    if not detail_json:
        return []
    try:
        detail = json.loads(detail_json)
    except ValueError:
        return [("detail", detail_json)]
    if not isinstance(detail, dict):
        return [("detail", str(detail))]
    return [
        (
            name,
            json.dumps(value, ensure_ascii=False)
            if isinstance(value, dict | list)
            else str(value),
        )
        for name, value in detail.items()
    ]
