"""The demo borough: invented schools with four years of generated answers.

Every demo school is named "Demo: …" and stored with is_demo set, so pages can
label its figures as demo data and `demo-load --replace` can delete exactly
these schools. The answers come from a simple latent model, so that the
results look like a real borough's:

- each school has its own level on each component, and each respondent their
  own level (which ties their answers together);
- groups differ: staff rate staff wellbeing (C7) lower, and parents answer
  "don't know" more often on teaching (C3) and staff development (C7);
- one school improves on one component after an intervention, and another
  declines (TRENDS);
- a few responses are straight-lined, too fast or mostly unanswered, so the
  quality flags have something to catch;
- governors at most schools give 6 to 9 responses, fewer than the disclosure
  threshold of 10, so suppression shows.

The same seed and the same `today` give the same answers.
"""

import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, func, insert, or_, select, tuple_, update
from sqlalchemy.orm import Session

from .calendar import academic_year_bounds, academic_year_for, london_today
from .models import (
    AccessCode,
    Answer,
    BankGroup,
    Base,
    Practice,
    Question,
    QuestionBankVersion,
    Response,
    Scale,
    School,
    SchoolRoll,
    SurveyLink,
    SurveyWindow,
    User,
)
from .passwords import hash_password
from .windows import create_school, create_window, issue_access_codes, set_access

DEFAULT_SEED = 2026
# Demo sign-ins end in .demo, which is not a top-level domain in use, so no
# real account can have one of these addresses.
DEMO_EMAIL_DOMAIN = "demo"
DEMO_PASSWORD = "demo-password-not-secret"  # noqa: S105 - published demo sign-in
BOROUGH_EMAIL = "officer@borough.demo"
BOROUGH_DISPLAY_NAME = "Demo borough officer"
ADMIN_EMAIL = "admin@borough.demo"
ADMIN_DISPLAY_NAME = "Demo administrator"

# Past years plus the current one.
YEARS_OF_HISTORY = 3
# The question bank version each academic year uses, from that year onwards.
BANK_VERSION_FROM = (("2023/24", "2024.1"), ("2025/26", "2025.1"))


@dataclass(frozen=True)
class GroupPlan:
    """One stakeholder group of a demo school."""

    stakeholder_group: str
    number_on_roll: int
    # Responses in a whole window, drawn each year from this range.
    responses: tuple[int, int]
    # Pupils only: the year groups that answer, with relative sizes.
    year_groups: dict[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoSchool:
    name: str
    # Used in the school's demo sign-in: lead@<slug>.demo
    slug: str
    phase: str
    groups: tuple[GroupPlan, ...]

    @property
    def lead_email(self) -> str:
        return f"lead@{self.slug}.{DEMO_EMAIL_DOMAIN}"


@dataclass(frozen=True)
class Trend:
    """A change in one school's component, from one academic year onwards."""

    school_slug: str
    component_id: str
    # Index into the demo years (0 = oldest) of the first year that changes.
    from_year: int
    # Latent units per year. In this demo, 0.4 moves a component score by about
    # 4 to 8 points a year.
    change_per_year: float
    story: str


PRIMARY_YEARS = {3: 1.0, 4: 1.0, 5: 1.0, 6: 1.0}
SECONDARY_YEARS = {7: 1.0, 8: 1.0, 9: 1.0, 10: 0.9, 11: 0.8}
SIXTH_FORM_YEARS = {**SECONDARY_YEARS, 12: 0.5, 13: 0.4}

DEMO_SCHOOLS = (
    DemoSchool(
        name="Demo: Elm Park Primary",
        slug="elm-park",
        phase="primary",
        groups=(
            GroupPlan("pupil_primary", 236, (150, 200), PRIMARY_YEARS),
            GroupPlan("parent", 310, (60, 110)),
            GroupPlan("staff", 46, (28, 38)),
            GroupPlan("governor", 12, (6, 9)),
        ),
    ),
    DemoSchool(
        name="Demo: Hazel Road Primary",
        slug="hazel-road",
        phase="primary",
        groups=(
            GroupPlan("pupil_primary", 178, (100, 145), PRIMARY_YEARS),
            GroupPlan("parent", 240, (40, 80)),
            GroupPlan("staff", 31, (22, 29)),
            GroupPlan("governor", 11, (7, 9)),
        ),
    ),
    DemoSchool(
        name="Demo: Northgate Academy",
        slug="northgate",
        phase="secondary",
        groups=(
            GroupPlan("pupil_secondary", 1120, (300, 400), SIXTH_FORM_YEARS),
            GroupPlan("parent", 960, (90, 150)),
            GroupPlan("staff", 82, (45, 60)),
            # The one governing body large and keen enough to be reported.
            GroupPlan("governor", 14, (11, 13)),
        ),
    ),
    DemoSchool(
        name="Demo: Riverside High School",
        slug="riverside",
        phase="secondary",
        groups=(
            GroupPlan("pupil_secondary", 810, (220, 320), SECONDARY_YEARS),
            GroupPlan("parent", 700, (50, 100)),
            GroupPlan("staff", 64, (35, 50)),
            GroupPlan("governor", 12, (6, 9)),
        ),
    ),
    DemoSchool(
        name="Demo: Brookfield All-Through School",
        slug="brookfield",
        phase="all_through",
        groups=(
            GroupPlan("pupil_primary", 204, (90, 140), PRIMARY_YEARS),
            GroupPlan("pupil_secondary", 610, (180, 260), SECONDARY_YEARS),
            GroupPlan("parent", 690, (60, 120)),
            GroupPlan("staff", 88, (40, 55)),
            GroupPlan("governor", 13, (7, 9)),
        ),
    ),
    DemoSchool(
        name="Demo: Willow Bank School",
        slug="willow-bank",
        phase="special",
        groups=(
            GroupPlan("pupil_primary", 38, (22, 30), PRIMARY_YEARS),
            GroupPlan("pupil_secondary", 84, (60, 72), SIXTH_FORM_YEARS),
            GroupPlan("parent", 105, (30, 45)),
            GroupPlan("staff", 58, (20, 35)),
            GroupPlan("governor", 10, (6, 8)),
        ),
    ),
)

TRENDS = (
    Trend(
        "hazel-road",
        "C5",
        from_year=1,
        change_per_year=0.45,
        story="improves on C5 (identification and targeted support) each year "
        "after bringing in a school counsellor",
    ),
    Trend(
        "riverside",
        "C7",
        from_year=1,
        change_per_year=-0.35,
        story="declines on C7 (staff development and wellbeing) each year",
    ),
)

# The model, in latent units: an answer is 1 + the number of cut points below
# (group level + school level + respondent level + question level + noise),
# with logistic noise.
GROUP_LEVEL = {
    "pupil_primary": 1.5,
    "pupil_secondary": 0.9,
    "parent": 1.1,
    "staff": 1.2,
    "governor": 1.6,
}
GROUP_COMPONENT_LEVEL = {
    ("staff", "C7"): -1.0,
    ("parent", "C3"): -0.3,
    ("pupil_secondary", "C5"): -0.4,
    ("pupil_secondary", "C2"): -0.2,
    ("parent", "C6"): 0.3,
    ("governor", "C7"): 0.3,
}
# Share of answers given as don't know, by group and component.
DONT_KNOW_RATE = 0.03
GROUP_COMPONENT_DONT_KNOW_RATE = {
    ("parent", "C3"): 0.22,
    ("parent", "C7"): 0.28,
    ("parent", "C5"): 0.12,
    ("pupil_primary", "C7"): 0.15,
    ("pupil_secondary", "C7"): 0.18,
    ("governor", "C3"): 0.10,
}
# A slow borough-wide improvement per year, in latent units.
BOROUGH_DRIFT_PER_YEAR = 0.05
# Shares of responses that the pipeline's quality checks should flag.
STRAIGHT_LINING_RATE = 0.02
TOO_FAST_RATE = 0.02
TOO_FEW_ANSWERS_RATE = 0.01
YEAR_GROUP_NOT_STATED_RATE = 0.06
# Share of a whole window's responses that the open window has received so far.
OPEN_WINDOW_SHARE = 0.45
# Codes issued for the demo link in codes mode: one printed class sheet.
DEMO_ACCESS_CODES = 30


@dataclass(frozen=True)
class QuestionSpec:
    """The parts of a question that the generator uses."""

    question_id: str
    component_id: str


@dataclass(frozen=True)
class ScaleSpec:
    points: int
    has_dont_know: bool


@dataclass
class GeneratedResponse:
    """One response's columns (without window and link) and its answers."""

    response_id: str
    submitted_on: date
    year_group: int | None
    is_too_fast: bool
    # Tuples of (question_id, value, is_dont_know), with value None for don't know.
    answers: list[tuple[str, int | None, bool]]


@dataclass(frozen=True)
class DemoWindow:
    """The dates and question bank of one demo academic year."""

    academic_year: str
    # 0 for the oldest demo year.
    year_index: int
    opens_on: date
    closes_on: date
    bank_version: str
    # The last day with responses: closes_on, or today in the open window.
    last_response_on: date
    is_open: bool


def demo_windows(today: date, bank_versions: list[str]) -> list[DemoWindow]:
    """Plan the windows: three past academic years and the current one.

    Past windows run for five weeks from the first Monday of November. The
    current one opened two weeks before today and closes two weeks after it,
    both dates kept inside the academic year.
    """
    current_year = academic_year_for(today)
    current_start = int(current_year[:4])
    windows = []
    for year_index in range(YEARS_OF_HISTORY + 1):
        start = current_start - YEARS_OF_HISTORY + year_index
        academic_year = f"{start}/{(start + 1) % 100:02d}"
        bank_version = bank_version_for(academic_year, bank_versions)
        if academic_year == current_year:
            first_day, last_day = academic_year_bounds(academic_year)
            opens_on = max(first_day, today - timedelta(days=14))
            closes_on = min(last_day, today + timedelta(days=14))
            windows.append(
                DemoWindow(
                    academic_year,
                    year_index,
                    opens_on,
                    closes_on,
                    bank_version,
                    last_response_on=today,
                    is_open=True,
                )
            )
        else:
            opens_on = _first_monday_from(date(start, 11, 1))
            closes_on = opens_on + timedelta(days=32)
            windows.append(
                DemoWindow(
                    academic_year,
                    year_index,
                    opens_on,
                    closes_on,
                    bank_version,
                    last_response_on=closes_on,
                    is_open=False,
                )
            )
    return windows


def _first_monday_from(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def bank_version_for(academic_year: str, bank_versions: list[str]) -> str:
    """Return the bank version the demo uses in an academic year.

    That is the version of BANK_VERSION_FROM for the year, if it is stored,
    else the newest stored version.
    """
    chosen = None
    for first_year, version in BANK_VERSION_FROM:
        if academic_year >= first_year and version in bank_versions:
            chosen = version
    if chosen is None:
        if not bank_versions:
            raise ValueError(
                "no question bank is stored: run flask --app survey_app db-upgrade"
            )
        chosen = max(bank_versions)
    return chosen


def _seeded_random(seed: int, *parts: str) -> random.Random:
    """Return a generator seeded by the seed and what it draws for.

    Each school, group and year has its own stream, so changing one of them
    leaves the others' answers as they were. Demo data needs no secure random.
    """
    return random.Random(":".join((str(seed), *parts)))  # noqa: S311


def school_levels(seed: int, school: DemoSchool, components: list[str]) -> dict:
    """Draw a school's latent level on each component."""
    rng = _seeded_random(seed, "school", school.slug)
    overall = rng.gauss(0, 0.3)
    return {component: overall + rng.gauss(0, 0.25) for component in components}


def question_level(seed: int, question_id: str) -> float:
    """Draw how easy a question is to agree with, the same in every school."""
    return _seeded_random(seed, "question", question_id).gauss(0, 0.35)


def trend_level(school: DemoSchool, component_id: str, year_index: int) -> float:
    """Return the latent change of a school's component in a demo year."""
    level = BOROUGH_DRIFT_PER_YEAR * year_index
    for trend in TRENDS:
        if trend.school_slug == school.slug and trend.component_id == component_id:
            years_since = year_index - trend.from_year + 1
            level += trend.change_per_year * max(0, years_since)
    return level


def response_count(
    seed: int, school: DemoSchool, plan: GroupPlan, window: DemoWindow
) -> int:
    """Draw how many responses a group gives in a window."""
    rng = _seeded_random(
        seed, "count", school.slug, plan.stakeholder_group, window.academic_year
    )
    count = rng.randint(*plan.responses)
    if window.is_open:
        count = round(count * OPEN_WINDOW_SHARE)
    return count


def generate_responses(
    seed: int,
    school: DemoSchool,
    plan: GroupPlan,
    window: DemoWindow,
    questions: list[QuestionSpec],
    scale: ScaleSpec,
    levels: dict[str, float],
) -> Iterator[GeneratedResponse]:
    """Generate one group's responses in one window."""
    rng = _seeded_random(
        seed, "responses", school.slug, plan.stakeholder_group, window.academic_year
    )
    cut_points = _cut_points(scale.points)
    group = plan.stakeholder_group
    means = {
        question.question_id: GROUP_LEVEL[group]
        + GROUP_COMPONENT_LEVEL.get((group, question.component_id), 0.0)
        + levels[question.component_id]
        + trend_level(school, question.component_id, window.year_index)
        + question_level(seed, question.question_id)
        for question in questions
    }
    components = sorted({question.component_id for question in questions})
    for _ in range(response_count(seed, school, plan, window)):
        yield _generate_response(
            rng, plan, window, questions, scale, cut_points, means, components
        )


def _generate_response(
    rng, plan, window, questions, scale, cut_points, means, components
) -> GeneratedResponse:
    respondent = rng.gauss(0, 0.7)
    # Each respondent also leans a little differently on each component.
    leanings = {component: rng.gauss(0, 0.35) for component in components}
    kind = rng.random()
    is_too_fast = False
    if kind < STRAIGHT_LINING_RATE:
        value = rng.choice((scale.points, scale.points, 1, (scale.points + 1) // 2))
        answers = [(question.question_id, value, False) for question in questions]
    elif kind < STRAIGHT_LINING_RATE + TOO_FAST_RATE:
        is_too_fast = True
        answers = [
            (question.question_id, rng.randint(1, scale.points), False)
            for question in questions
        ]
    else:
        answers = []
        for question in questions:
            answers.append(
                _generate_answer(
                    rng,
                    plan.stakeholder_group,
                    question,
                    scale,
                    cut_points,
                    means[question.question_id]
                    + respondent
                    + leanings[question.component_id],
                )
            )
        if kind < STRAIGHT_LINING_RATE + TOO_FAST_RATE + TOO_FEW_ANSWERS_RATE:
            answers = rng.sample(answers, k=min(3, len(answers)))

    return GeneratedResponse(
        response_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        submitted_on=_submission_date(rng, window),
        year_group=_year_group(rng, plan),
        is_too_fast=is_too_fast,
        answers=answers,
    )


def _generate_answer(rng, group, question, scale, cut_points, mean):
    dont_know_rate = GROUP_COMPONENT_DONT_KNOW_RATE.get(
        (group, question.component_id), DONT_KNOW_RATE
    )
    if scale.has_dont_know and rng.random() < dont_know_rate:
        return (question.question_id, None, True)

    latent = mean + _logistic_noise(rng)
    value = 1 + sum(1 for cut_point in cut_points if latent > cut_point)
    return (question.question_id, value, False)


def _cut_points(points: int) -> list[float]:
    """Return evenly spaced cut points between -1.6 and 1.6 for a k-point scale."""
    if points == 2:
        return [0.0]
    return [-1.6 + 3.2 * step / (points - 2) for step in range(points - 1)]


def _logistic_noise(rng: random.Random) -> float:
    probability = min(max(rng.random(), 1e-9), 1 - 1e-9)
    return math.log(probability / (1 - probability))


def _submission_date(rng: random.Random, window: DemoWindow) -> date:
    """Draw a date in the window, most responses coming early."""
    days = (window.last_response_on - window.opens_on).days
    return window.opens_on + timedelta(days=int((days + 1) * rng.random() ** 1.6))


def _year_group(rng: random.Random, plan: GroupPlan) -> int | None:
    if not plan.year_groups or rng.random() < YEAR_GROUP_NOT_STATED_RATE:
        return None
    year_groups = list(plan.year_groups)
    weights = list(plan.year_groups.values())
    return rng.choices(year_groups, weights=weights)[0]


# Storing the demo borough


class DemoLoadError(RuntimeError):
    """The demo borough cannot be loaded into this database."""


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    role: str
    school_name: str | None


@dataclass
class LoadSummary:
    """Counts and access details of one demo load, for the command to print."""

    schools: int = 0
    windows: int = 0
    responses: int = 0
    answers: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)
    # The open window's link in codes mode, and the codes issued for it.
    codes_school: str = ""
    codes_link_token: str = ""
    codes_batch_label: str = ""
    codes: list[str] = field(default_factory=list)
    # The open window's link in kiosk mode.
    kiosk_school: str = ""
    kiosk_link_token: str = ""


def demo_accounts() -> list[DemoAccount]:
    """Return the demo sign-ins: one lead per demo school, a borough officer and
    an administrator."""
    accounts = [
        DemoAccount(
            email=school.lead_email,
            display_name=f"Demo lead, {school.name.removeprefix('Demo: ')}",
            role="school",
            school_name=school.name,
        )
        for school in DEMO_SCHOOLS
    ]
    accounts.append(
        DemoAccount(BOROUGH_EMAIL, BOROUGH_DISPLAY_NAME, "borough", school_name=None)
    )
    accounts.append(
        DemoAccount(ADMIN_EMAIL, ADMIN_DISPLAY_NAME, "admin", school_name=None)
    )
    return accounts


def is_demo_loaded(session: Session) -> bool:
    """Return whether any demo school is stored."""
    return session.scalar(select(func.count()).where(School.is_demo)) > 0


def load_demo(
    session: Session, seed: int = DEFAULT_SEED, today: date | None = None
) -> LoadSummary:
    """Store the demo schools, windows, responses and sign-ins, and commit.

    Raises DemoLoadError when demo schools are stored already (delete them
    first with delete_demo) or a window cannot be created. The caller then
    rolls the session back.
    """
    if is_demo_loaded(session):
        raise DemoLoadError(
            "the demo borough is loaded already: delete it first with "
            "flask --app survey_app demo-load --replace"
        )
    today = today or london_today()
    bank_versions = list(session.scalars(select(QuestionBankVersion.bank_version)))
    try:
        windows = demo_windows(today, bank_versions)
    except ValueError as error:
        raise DemoLoadError(str(error)) from error
    banks = {
        window.bank_version: _read_bank(session, window.bank_version)
        for window in windows
    }
    components = sorted(
        {
            question.component_id
            for bank in banks.values()
            for questions, _ in bank.values()
            for question in questions
        }
    )

    summary = LoadSummary()
    response_rows, answer_lists = [], []
    school_ids = {}
    open_links = {}
    for school in DEMO_SCHOOLS:
        school_id = _store_school(session, school)
        school_ids[school.slug] = school_id
        levels = school_levels(seed, school, components)
        for window in windows:
            links = _store_window(session, school, school_id, window)
            summary.windows += 1
            if window.is_open:
                open_links[school.slug] = links
            for plan in school.groups:
                questions, scale = banks[window.bank_version][plan.stakeholder_group]
                link = links[plan.stakeholder_group]
                for generated in generate_responses(
                    seed, school, plan, window, questions, scale, levels
                ):
                    response_rows.append(_response_row(generated, link, window))
                    answer_lists.append(generated.answers)
        summary.schools += 1

    summary.answers = _insert_responses(session, response_rows, answer_lists)
    summary.responses = len(response_rows)
    _set_demo_access(session, summary, open_links)
    summary.accounts = _store_accounts(session, school_ids)
    session.commit()
    return summary


def delete_demo(session: Session) -> int:
    """Delete the demo schools, their sign-ins and every row that refers to them.

    Other schools' rows are untouched. Commits, and returns the number of demo
    schools deleted.
    """
    count = session.scalar(select(func.count()).where(School.is_demo))
    # The codes go first, in their own transaction: a crash before the rest
    # commits leaves links without codes, never codes whose link_id a new
    # link could take over.
    session.execute(_demo_codes_delete())
    session.commit()
    for statement in _demo_delete_statements():
        session.execute(statement)
    session.commit()
    return count


def _demo_codes_delete():
    """Build the delete of the demo links' access codes.

    The codes file has no foreign keys for _demo_delete_statements to follow.
    """
    codes = AccessCode.__table__
    demo_links = (
        select(SurveyLink.link_id)
        .join(SurveyWindow, SurveyWindow.window_id == SurveyLink.window_id)
        .join(School, School.school_id == SurveyWindow.school_id)
        .where(School.is_demo)
    )
    return delete(codes).where(codes.c.link_id.in_(demo_links))


def _demo_delete_statements() -> list:
    """Build the deletes that remove the demo borough, children first.

    The rows to delete are found by following foreign keys from the demo
    schools and demo sign-ins through every table in the models, so a table
    added later is covered too. A nullable reference to a demo sign-in (an
    audit event, a pipeline run) is set to null instead: the row is kept.
    """
    schools = School.__table__
    users = User.__table__
    demo_school_ids = select(schools.c.school_id).where(schools.c.is_demo)
    conditions = {
        schools: schools.c.is_demo,
        users: users.c.school_id.in_(demo_school_ids)
        | users.c.email.in_((BOROUGH_EMAIL, ADMIN_EMAIL)),
    }
    nullify = []
    for table in Base.metadata.sorted_tables:
        if table in conditions:
            continue
        clauses = []
        for constraint in table.foreign_key_constraints:
            parent = constraint.referred_table
            if parent not in conditions:
                continue
            child_columns = [element.parent for element in constraint.elements]
            parent_columns = [element.column for element in constraint.elements]
            if parent is users and all(column.nullable for column in child_columns):
                nullify.append((table, child_columns, conditions[users]))
                continue
            doomed_parents = select(*parent_columns).where(conditions[parent])
            clauses.append(_columns_in(child_columns, doomed_parents))
        if clauses:
            conditions[table] = or_(*clauses)

    statements = [
        update(table)
        .where(_columns_in(columns, select(users.c.user_id).where(condition)))
        .values({column.name: None for column in columns})
        for table, columns, condition in nullify
    ]
    for table in reversed(Base.metadata.sorted_tables):
        if table in conditions:
            statements.append(delete(table).where(conditions[table]))
    return statements


def _columns_in(columns: list, subquery):
    if len(columns) == 1:
        return columns[0].in_(subquery)
    return tuple_(*columns).in_(subquery)


def _read_bank(session: Session, bank_version: str) -> dict:
    """Return each group's questions and scale in a bank version."""
    rows = session.execute(
        select(Question.stakeholder_group, Question.question_id, Practice.component_id)
        .join(
            QuestionBankVersion,
            QuestionBankVersion.bank_version == Question.bank_version,
        )
        .join(
            Practice,
            (Practice.framework_version == QuestionBankVersion.framework_version)
            & (Practice.practice_id == Question.practice_id),
        )
        .where(Question.bank_version == bank_version)
        .order_by(Question.stakeholder_group, Question.position)
    )
    questions: dict[str, list[QuestionSpec]] = {}
    for group, question_id, component_id in rows:
        questions.setdefault(group, []).append(QuestionSpec(question_id, component_id))
    scales = session.execute(
        select(BankGroup.stakeholder_group, Scale.points, Scale.dont_know_label)
        .join(
            Scale,
            (Scale.bank_version == BankGroup.bank_version)
            & (Scale.scale_id == BankGroup.scale_id),
        )
        .where(BankGroup.bank_version == bank_version)
    )
    return {
        group: (questions.get(group, []), ScaleSpec(points, dont_know is not None))
        for group, points, dont_know in scales
    }


def _store_school(session: Session, school: DemoSchool) -> int:
    stored = create_school(session, school.name, school.phase, is_demo=True)
    for plan in school.groups:
        session.add(
            SchoolRoll(
                school_id=stored.school_id,
                stakeholder_group=plan.stakeholder_group,
                number_on_roll=plan.number_on_roll,
            )
        )
    session.flush()
    return stored.school_id


def _store_window(
    session: Session, school: DemoSchool, school_id: int, window: DemoWindow
) -> dict[str, SurveyLink]:
    """Store one demo window and return its links by stakeholder group."""
    try:
        stored = create_window(
            session,
            school_id,
            window.academic_year,
            window.opens_on,
            window.closes_on,
            window.bank_version,
        )
    except ValueError as error:
        raise DemoLoadError(f"{school.name} {window.academic_year}: {error}") from error
    links = {
        link.stakeholder_group: link
        for link in session.scalars(
            select(SurveyLink).where(SurveyLink.window_id == stored.window_id)
        )
    }
    missing = [
        plan.stakeholder_group
        for plan in school.groups
        if plan.stakeholder_group not in links
    ]
    if missing:
        raise DemoLoadError(
            f"{school.name} {window.academic_year}: the window has no link for "
            f"{', '.join(missing)}: give the school a phase that surveys them"
        )
    return links


def _response_row(
    generated: GeneratedResponse, link: SurveyLink, window: DemoWindow
) -> dict:
    return {
        "response_id": generated.response_id,
        "window_id": link.window_id,
        "link_id": link.link_id,
        "stakeholder_group": link.stakeholder_group,
        "bank_version": window.bank_version,
        "submitted_on": generated.submitted_on,
        "year_group": generated.year_group,
        "is_too_fast": generated.is_too_fast,
        "source": "survey",
    }


def _insert_responses(
    session: Session, response_rows: list[dict], answer_lists: list[list]
) -> int:
    """Insert responses and their answers in two bulk statements.

    Returns the number of answers inserted.
    """
    if not response_rows:
        return 0
    responses = Response.__table__
    result = session.execute(
        insert(responses).returning(
            responses.c.response_seq, sort_by_parameter_order=True
        ),
        response_rows,
    )
    sequence_numbers = result.scalars().all()
    answer_rows = [
        {
            "response_seq": response_seq,
            "question_id": question_id,
            "value": value,
            "is_dont_know": is_dont_know,
        }
        for response_seq, answers in zip(sequence_numbers, answer_lists, strict=True)
        for question_id, value, is_dont_know in answers
    ]
    if answer_rows:
        session.execute(insert(Answer.__table__), answer_rows)
    return len(answer_rows)


def _set_demo_access(
    session: Session, summary: LoadSummary, open_links: dict[str, dict]
) -> None:
    """Put one open link in codes mode and another in kiosk mode, to try them."""
    codes_school, kiosk_school = DEMO_SCHOOLS[0], DEMO_SCHOOLS[1]
    codes_link = open_links[codes_school.slug]["pupil_primary"]
    set_access(codes_link, "codes", False, codes_link.number_on_roll)
    summary.codes_batch_label = "Demo class 6A"
    summary.codes = issue_access_codes(
        session, codes_link, summary.codes_batch_label, DEMO_ACCESS_CODES
    )
    summary.codes_school = codes_school.name
    summary.codes_link_token = codes_link.token

    kiosk_link = open_links[kiosk_school.slug]["pupil_primary"]
    set_access(kiosk_link, "open", True, kiosk_link.number_on_roll)
    summary.kiosk_school = kiosk_school.name
    summary.kiosk_link_token = kiosk_link.token
    session.flush()


def _store_accounts(session: Session, school_ids: dict[str, int]) -> list:
    """Add the demo sign-ins, or reset them if they exist, all with one password."""
    # One hash for all, because each Argon2 hash takes a noticeable fraction
    # of a second.
    password_hash = hash_password(DEMO_PASSWORD)
    accounts = demo_accounts()
    slugs = {school.name: school.slug for school in DEMO_SCHOOLS}
    for account in accounts:
        school_id = (
            school_ids[slugs[account.school_name]] if account.school_name else None
        )
        user = session.scalar(select(User).where(User.email == account.email))
        if user is None:
            user = User(email=account.email)
            session.add(user)
        user.display_name = account.display_name
        user.password_hash = password_hash
        user.role = account.role
        user.school_id = school_id
        user.is_active = True
    session.flush()
    return accounts
