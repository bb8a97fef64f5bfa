"""Forms of the self-review pages, rendered with GOV.UK Frontend widgets."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from .. import MAX_STORE_INTEGER
from .. import self_review as service
from ..models import PROVISION_FIELDS, RATING_LEVELS, STAKEHOLDER_GROUPS
from .text import PlainText

STAKEHOLDER_LABELS = service.STAKEHOLDER_LABELS


# How much of an invalid date an error message repeats.
MAX_SHOWN_DATE = 20


class DateInputField(DateField):
    """A GOV.UK date input: day, month and year boxes, blank meaning no date."""

    def process_formdata(self, valuelist):
        parts = [part.strip() for part in valuelist]
        if len(parts) != 3:
            # The widget renders raw_data back into exactly three boxes, so a
            # request with another number of values is shown as empty boxes.
            self.raw_data = None
            self.data = None
            if any(parts):
                raise ValueError(self.invalid_value_message)
            return
        if not any(parts):
            self.data = None
            return
        try:
            super().process_formdata(parts)
        except ValueError as error:
            shown = " ".join(parts)
            if len(shown) > MAX_SHOWN_DATE:
                shown = shown[: MAX_SHOWN_DATE - 1] + "…"
            raise ValueError(
                f"{self.invalid_value_message}: “{shown}” is not a date. Enter "
                "the day, month and year as numbers, like 15 9 2025"
            ) from error


PAGE_OUT_OF_DATE = (
    "This page is out of date, so nothing was saved. Open the page again "
    "and make your changes there"
)


def edit_count_field(default: int | None = None) -> IntegerField:
    """Return the hidden field that carries the edit counter a page was opened with.

    A count that no stored version can have, negative or beyond SQLite's
    integer range, reads as a page out of date rather than reaching the store.
    """
    return IntegerField(
        widget=HiddenInput(),
        default=default,
        validators=[
            InputRequired(PAGE_OUT_OF_DATE),
            NumberRange(min=0, max=MAX_STORE_INTEGER, message=PAGE_OUT_OF_DATE),
        ],
    )


def _date_required(message: str):
    """Require a date, leaving a 'must be a real date' error alone.

    WTForms' DataRequired clears earlier errors, which would replace the
    message about an impossible date with one asking for any date.
    """

    def validate(form, field):
        if field.data is None and not field.process_errors:
            raise StopValidation(message)

    return validate


def _text_length(thing: str) -> Length:
    return Length(
        max=service.MAX_TEXT_LENGTH,
        message=f"{thing} must be {service.MAX_TEXT_LENGTH:,} characters or fewer",
    )


class StartForm(FlaskForm):
    academic_year = SelectField(
        "Academic year",
        widget=GovSelect(),
        validators=[InputRequired("Select the academic year")],
        invalid_choice_message="Select an academic year from the list",
    )
    submit = SubmitField("Start the self-review", widget=GovSubmitInput())


class SubmitSelfReviewForm(FlaskForm):
    edit_count = edit_count_field()
    submit = SubmitField("Submit the self-review", widget=GovSubmitInput())


class NewVersionForm(FlaskForm):
    submit = SubmitField(
        "Start a new version",
        widget=GovSubmitInput(),
    )


_LEVEL_VALUES = {str(level) for level in range(len(RATING_LEVELS))}


def _level_validator(practice_id: str):
    """Accept no rating (a draft may be partial) or one of the four levels."""

    def validate(form, field):
        if field.data not in (None, "") and field.data not in _LEVEL_VALUES:
            raise ValidationError(f"Select one of the four ratings for {practice_id}")

    return validate


def component_form_class(component: service.ComponentInfo) -> type[FlaskForm]:
    """Build the form class of one component page: a rating and evidence per
    practice, the provision at three levels of need, and the edit counter."""
    fields = {}
    for practice in component.practices:
        key = field_key(practice.practice_id)
        level = RadioField(
            f"{practice.practice_id}: {practice.text}",
            choices=[
                SelectChoice(str(index), service.RATING_LABELS[name])
                for index, name in enumerate(RATING_LEVELS)
            ],
            validate_choice=False,
            validators=[_level_validator(practice.practice_id)],
            widget=GovRadioInput(),
        )
        fields[f"level_{key}"] = level
        fields[f"evidence_{key}"] = TextAreaField(
            f"Evidence for the rating of {practice.practice_id}",
            description=(
                "What you have seen, been told or can show, for example "
                "policies, observations or pupil voice"
            ),
            validators=[
                _text_length(f"Evidence for {practice.practice_id}"),
                PlainText(f"Evidence for {practice.practice_id}"),
            ],
            widget=GovTextArea(),
        )
    for name in PROVISION_FIELDS:
        fields[name] = TextAreaField(
            service.PROVISION_LABELS[name],
            validators=[
                _text_length(service.PROVISION_LABELS[name]),
                PlainText(service.PROVISION_LABELS[name]),
            ],
            widget=GovTextArea(),
        )
    fields["edit_count"] = edit_count_field()
    fields["submit"] = SubmitField("Save", widget=GovSubmitInput())
    return type(f"Component{component.component_id}Form", (FlaskForm,), fields)


def field_key(practice_id: str) -> str:
    """Return the form field suffix of a practice: P1.4 becomes P1_4."""
    return practice_id.replace(".", "_")


class NextStepForm(FlaskForm):
    target_id = SelectField(
        "Practice or component to improve",
        widget=GovSelect(),
        validators=[InputRequired("Select the practice or component to improve")],
        invalid_choice_message="Select a practice or component from the list",
    )
    stakeholder_group = RadioField(
        "Whose experience do you expect to change?",
        choices=[
            SelectChoice(group, STAKEHOLDER_LABELS[group])
            for group in STAKEHOLDER_GROUPS
        ],
        widget=GovRadioInput(),
        validators=[InputRequired("Select whose experience you expect to change")],
        invalid_choice_message="Select whose experience you expect to change",
    )
    action = TextAreaField(
        "Action or intervention",
        description=(
            "For example a peer-support programme, a nurture group or staff training"
        ),
        widget=GovTextArea(),
        validators=[
            DataRequired("Enter the action or intervention"),
            _text_length("Action or intervention"),
            PlainText("Action or intervention"),
        ],
    )
    lead = StringField(
        "Who leads it",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter who leads it"),
            Length(max=200, message="Who leads it must be 200 characters or fewer"),
            PlainText("Who leads it"),
        ],
    )
    starts_on = DateInputField(
        "Start date",
        format="%d %m %Y",
        description="For example, 15 9 2025",
        widget=GovDateInput(),
        invalid_value_message="Start date must be a real date",
        validators=[_date_required("Enter the start date")],
    )
    review_on = DateInputField(
        "Review date",
        format="%d %m %Y",
        description="When you will check whether it made a difference",
        widget=GovDateInput(),
        invalid_value_message="Review date must be a real date",
        validators=[_date_required("Enter the review date")],
    )
    expected_change = TextAreaField(
        "What change do you expect to see?",
        widget=GovTextArea(),
        validators=[
            DataRequired("Enter the change you expect to see"),
            _text_length("Expected change"),
            PlainText("Expected change"),
        ],
    )
    edit_count = edit_count_field(default=0)
    submit = SubmitField("Save next step", widget=GovSubmitInput())

    def validate_review_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(
                f"Review date must be the same as or after the start date, "
                f"{self.starts_on.data:%-d %B %Y}: you entered "
                f"{field.data:%-d %B %Y}"
            )


class DeleteNextStepForm(FlaskForm):
    edit_count = edit_count_field()
    submit = SubmitField("Remove next step", widget=GovSubmitInput())
