"""A stakeholder group's questionnaire, built from a stored question bank version.

Pages follow the framework's components: one page per component, holding the
group's questions on that component's practices. Questions come from the
frozen copy of the bank in the database, never from the YAML files, so a
window keeps asking what it asked on its first day.

A respondent's unfinished questionnaire is a QuestionnaireState. It lives in
their session cookie and is also signed into every questionnaire form as a
hidden field, so answers survive an expired session or CSRF token.
"""

import json
import math
import uuid
from dataclasses import asdict, dataclass, field

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length

from .models import (
    BankGroup,
    Component,
    Practice,
    Question,
    QuestionBankVersion,
    Scale,
)

DONT_KNOW = "dk"
PREFER_NOT_TO_SAY = "none"
YEAR_GROUPS = {
    "pupil_primary": tuple(range(3, 7)),
    "pupil_secondary": tuple(range(7, 14)),
}
AUDIENCES = {
    "pupil_primary": "pupils",
    "pupil_secondary": "pupils",
    "parent": "parents and carers",
    "staff": "staff",
    "governor": "governors",
}
# Page headings that children understand. Adults see the component titles.
PUPIL_PAGE_TITLES = {
    "C1": "Being at school",
    "C2": "Getting on with others",
    "C3": "Learning in class",
    "C4": "Learning about yourself",
    "C5": "Getting help",
    "C6": "School and your family",
    "C7": "The adults at school",
}
# An estimate of reading and answering time, for the start page only.
SECONDS_PER_QUESTION_ESTIMATE = 12
PROGRESS_SALT = "questionnaire-progress"
# How long the signed copy in a form can rebuild a lost session: a page left
# open over a weekend still counts.
PROGRESS_MAX_AGE_SECONDS = 4 * 24 * 3600


@dataclass(frozen=True)
class AnswerOption:
    """One radio option: a scale value '1'..'points', or DONT_KNOW."""

    value: str
    label: str


@dataclass(frozen=True)
class QuestionItem:
    question_id: str
    practice_id: str
    text: str

    @property
    def short_text(self) -> str:
        """The question without its final full stop, for error messages."""
        return self.text.rstrip().rstrip(".")


@dataclass(frozen=True)
class QuestionPage:
    number: int
    component_id: str
    title: str
    questions: tuple[QuestionItem, ...]


@dataclass(frozen=True)
class Questionnaire:
    bank_version: str
    stakeholder_group: str
    title: str
    options: tuple[AnswerOption, ...]
    pages: tuple[QuestionPage, ...]
    year_groups: tuple[int, ...]

    @property
    def is_pupil(self) -> bool:
        return self.stakeholder_group in YEAR_GROUPS

    @property
    def audience(self) -> str:
        return AUDIENCES[self.stakeholder_group]

    @property
    def questions(self) -> tuple[QuestionItem, ...]:
        return tuple(question for page in self.pages for question in page.questions)

    @property
    def question_count(self) -> int:
        return len(self.questions)

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(option.value for option in self.options)

    @property
    def minutes_estimate(self) -> int:
        """About how many minutes the questionnaire takes, at least 2."""
        seconds = self.question_count * SECONDS_PER_QUESTION_ESTIMATE
        return max(2, math.ceil(seconds / 60))

    def page(self, number: int) -> QuestionPage | None:
        if 1 <= number <= len(self.pages):
            return self.pages[number - 1]
        return None

    def option_label(self, value: str) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        raise KeyError(value)


class QuestionnaireNotFoundError(LookupError):
    """The stored bank version has no questionnaire for the group."""


def load_questionnaire(
    session: Session, bank_version: str, stakeholder_group: str
) -> Questionnaire:
    """Build a group's questionnaire from a stored question bank version."""
    group = session.get(BankGroup, (bank_version, stakeholder_group))
    if group is None:
        raise QuestionnaireNotFoundError(
            f"question bank {bank_version} has no questions for {stakeholder_group}"
        )
    bank = session.get(QuestionBankVersion, bank_version)
    scale = session.get(Scale, (bank_version, group.scale_id))
    options = [
        AnswerOption(str(value), label)
        for value, label in enumerate(json.loads(scale.labels_json), start=1)
    ]
    if scale.dont_know_label:
        options.append(AnswerOption(DONT_KNOW, scale.dont_know_label))

    components = session.scalars(
        select(Component)
        .where(Component.framework_version == bank.framework_version)
        .order_by(Component.position)
    ).all()
    component_of_practice = dict(
        session.execute(
            select(Practice.practice_id, Practice.component_id).where(
                Practice.framework_version == bank.framework_version
            )
        ).all()
    )
    questions = session.scalars(
        select(Question)
        .where(
            Question.bank_version == bank_version,
            Question.stakeholder_group == stakeholder_group,
        )
        .order_by(Question.position)
    ).all()

    pages = []
    for component in components:
        items = tuple(
            QuestionItem(question.question_id, question.practice_id, question.text)
            for question in questions
            if component_of_practice[question.practice_id] == component.component_id
        )
        if not items:
            continue
        title = component.title
        if stakeholder_group in YEAR_GROUPS:
            title = PUPIL_PAGE_TITLES.get(component.component_id, title)
        pages.append(QuestionPage(len(pages) + 1, component.component_id, title, items))

    return Questionnaire(
        bank_version=bank_version,
        stakeholder_group=stakeholder_group,
        title=group.title,
        options=tuple(options),
        pages=tuple(pages),
        year_groups=YEAR_GROUPS.get(stakeholder_group, ()),
    )


@dataclass
class QuestionnaireState:
    """One respondent's unfinished questionnaire.

    answers maps question ids to '1'..'points' or DONT_KNOW. year_group is
    None until a pupil answers it, then a year like '5' or PREFER_NOT_TO_SAY.
    started_at is the Unix time the first question page was shown. It is used
    to flag implausibly fast submissions and is never stored.
    """

    response_id: str
    answers: dict[str, str] = field(default_factory=dict)
    year_group: str | None = None
    code_hash: str | None = None
    started_at: float | None = None

    @classmethod
    def new(cls, code_hash: str | None = None) -> "QuestionnaireState":
        return cls(response_id=str(uuid.uuid4()), code_hash=code_hash)

    @classmethod
    def from_dict(cls, data) -> "QuestionnaireState | None":
        """Return the state in data, or None if data is not a well-formed state."""
        if not isinstance(data, dict):
            return None
        try:
            state = cls(
                response_id=str(uuid.UUID(data["response_id"], version=4)),
                answers=dict(data.get("answers") or {}),
                year_group=data.get("year_group"),
                code_hash=data.get("code_hash"),
                started_at=data.get("started_at"),
            )
        except (KeyError, TypeError, ValueError):
            return None
        if not all(
            isinstance(key, str) and isinstance(value, str)
            for key, value in state.answers.items()
        ):
            return None
        if state.started_at is not None and not isinstance(
            state.started_at, int | float
        ):
            return None
        return state

    def to_dict(self) -> dict:
        return asdict(self)


def first_unanswered_step(questionnaire: Questionnaire, state: QuestionnaireState):
    """Return 'year-group', the number of the first page with a missing answer,
    or 'check' when everything is answered."""
    if questionnaire.is_pupil and state.year_group is None:
        return "year-group"
    for page in questionnaire.pages:
        if any(
            question.question_id not in state.answers for question in page.questions
        ):
            return page.number
    return "check"


def sign_progress(secret_key: str, token: str, state: QuestionnaireState) -> str:
    """Return the state signed for a hidden form field, bound to the link token."""
    serializer = URLSafeTimedSerializer(secret_key, salt=PROGRESS_SALT)
    return serializer.dumps({"token": token, "state": state.to_dict()})


def read_progress(
    secret_key: str, token: str, signed: str | None
) -> QuestionnaireState | None:
    """Return the state from a signed hidden field, or None if it is missing,
    forged, older than PROGRESS_MAX_AGE_SECONDS or for another link."""
    if not signed or len(signed) > 32_000:
        return None
    serializer = URLSafeTimedSerializer(secret_key, salt=PROGRESS_SALT)
    try:
        payload = serializer.loads(signed, max_age=PROGRESS_MAX_AGE_SECONDS)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("token") != token:
        return None
    return QuestionnaireState.from_dict(payload.get("state"))


# Forms. Every questionnaire form carries the signed progress field, and the
# views reject any field they did not render.


class ProgressForm(FlaskForm):
    progress = HiddenField()


class StartForm(FlaskForm):
    """The start page's form. access_code is used only on 'codes' links."""

    access_code = StringField(
        "Your code",
        widget=GovTextInput(),
        validators=[Length(max=40, message="Enter a code of 9 letters and numbers")],
    )


class YearGroupForm(ProgressForm):
    year_group = RadioField(
        "What year are you in?",
        widget=GovRadioInput(),
        validate_choice=False,
    )


def build_year_group_form(questionnaire: Questionnaire, **kwargs) -> YearGroupForm:
    """Return the year group form with only the group's years."""
    form = YearGroupForm(**kwargs)
    values = [str(year) for year in questionnaire.year_groups] + [PREFER_NOT_TO_SAY]
    form.year_group.choices = [
        SelectChoice(str(year), f"Year {year}") for year in questionnaire.year_groups
    ] + [SelectChoice(PREFER_NOT_TO_SAY, "Prefer not to say")]
    message = "Select your year, or ‘Prefer not to say’"
    form.year_group.validators = [
        InputRequired(message=message),
        AnyOf(values, message=message),
    ]
    return form


def build_page_form(questionnaire: Questionnaire, page: QuestionPage, **kwargs):
    """Return a form with one required radios field per question on the page.

    Field names are the question ids, so what a browser posts names the
    questions it answers.
    """
    values = list(questionnaire.option_values)
    fields = {}
    for question in page.questions:
        fields[question.question_id] = RadioField(
            question.text,
            choices=[
                SelectChoice(option.value, option.label)
                for option in questionnaire.options
            ],
            widget=GovRadioInput(),
            validate_choice=False,
            validators=[
                InputRequired(message=f"Select an answer for ‘{question.short_text}’"),
                AnyOf(
                    values,
                    message=f"Select one of the answers shown for "
                    f"‘{question.short_text}’",
                ),
            ],
        )
    form_class = type("QuestionPageForm", (ProgressForm,), fields)
    return form_class(**kwargs)


class CheckForm(ProgressForm):
    response_id = HiddenField()


def is_csrf_failure(form: FlaskForm) -> bool:
    """Return whether a validated form has an expired, missing or wrong CSRF token."""
    return bool(form.meta.csrf and form.csrf_token.errors)
