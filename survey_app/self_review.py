"""The school's self-review and next steps: drafts, saves, versions and history.

Views call these functions with a school id that they have already checked
against the signed-in user. Every query here filters by that school id as
well, so an id from a form that belongs to another school is not found.

Saves are guarded by edit counters: a form carries the counter it was opened
with, and a save with an older counter raises StaleEditError instead of
overwriting what someone else saved in between.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .calendar import academic_year_bounds
from .models import (
    PROVISION_FIELDS,
    RATING_LEVELS,
    AuditEvent,
    Component,
    ComponentProvision,
    FrameworkVersion,
    NextStep,
    Practice,
    PracticeRating,
    SelfReview,
    SelfReviewChange,
    User,
    utc_now,
)

# The labels staff choose from, in level order (index = stored level).
RATING_LABELS = {
    "not_yet_in_place": "Not yet in place",
    "emerging": "Emerging",
    "established": "Established",
    "embedded": "Embedded",
}

STAKEHOLDER_LABELS = {
    "pupil_primary": "Pupils in Years 3 to 6",
    "pupil_secondary": "Pupils in Years 7 to 13",
    "parent": "Parents and carers",
    "staff": "Staff",
    "governor": "Governors",
}

PROVISION_LABELS = {
    "for_all_pupils": "For all pupils (preventative)",
    "for_pupils_at_risk": "For pupils at risk",
    "for_most_vulnerable": "For the most vulnerable pupils",
}

# Free text longer than this is rejected with a message. A page of 9 fields
# this long stays well under the app's MAX_CONTENT_LENGTH of 256 KiB.
MAX_TEXT_LENGTH = 4000


class SelfReviewError(ValueError):
    """A self-review or next step cannot be changed as requested."""


class NotFoundError(SelfReviewError):
    """The self-review, component or next step does not exist for this school."""


class NotEditableError(SelfReviewError):
    """The self-review version was submitted, so it cannot change."""


class IncompleteError(SelfReviewError):
    """A self-review cannot be submitted until every practice is rated."""

    def __init__(self, unrated_practice_ids: list[str]):
        self.unrated_practice_ids = unrated_practice_ids
        super().__init__(
            f"{len(unrated_practice_ids)} practices are not rated: "
            + ", ".join(unrated_practice_ids)
        )


class StaleEditError(SelfReviewError):
    """Someone saved the same page after this form was opened."""

    def __init__(self, last_change: "ChangeEntry | None"):
        self.last_change = last_change
        super().__init__("the page was saved by someone else after it was opened")


@dataclass(frozen=True)
class PracticeInfo:
    practice_id: str
    component_id: str
    text: str


@dataclass(frozen=True)
class ComponentInfo:
    component_id: str
    title: str
    practices: tuple[PracticeInfo, ...]


@dataclass(frozen=True)
class Framework:
    """The components and practices of one framework version, in order."""

    framework_version: int
    components: tuple[ComponentInfo, ...]

    def component(self, component_id: str) -> ComponentInfo:
        for component in self.components:
            if component.component_id == component_id:
                return component
        raise NotFoundError(f"component {component_id!r} is not in the framework")

    @property
    def practices(self) -> list[PracticeInfo]:
        return [
            practice
            for component in self.components
            for practice in component.practices
        ]

    def practice(self, practice_id: str) -> PracticeInfo:
        for practice in self.practices:
            if practice.practice_id == practice_id:
                return practice
        raise NotFoundError(f"practice {practice_id!r} is not in the framework")


@dataclass(frozen=True)
class ChangeEntry:
    """One row of a self-review's history, with the name of who changed it."""

    changed_at: datetime
    user_name: str
    component_id: str | None
    practice_id: str | None
    field: str
    old_value: str | None
    new_value: str | None


@dataclass
class ComponentValues:
    """Values submitted by the form of one component page."""

    levels: dict[str, int | None] = field(default_factory=dict)
    evidence: dict[str, str | None] = field(default_factory=dict)
    provision: dict[str, str | None] = field(default_factory=dict)


def load_framework(session: Session, framework_version: int | None = None) -> Framework:
    """Read a framework version (default: the newest stored) with its practices."""
    if framework_version is None:
        framework_version = session.scalar(
            select(func.max(FrameworkVersion.framework_version))
        )
        if framework_version is None:
            raise NotFoundError(
                "no framework is stored: run 'flask --app survey_app db-upgrade'"
            )
    components = session.scalars(
        select(Component)
        .where(Component.framework_version == framework_version)
        .order_by(Component.position)
    ).all()
    practices = session.scalars(
        select(Practice)
        .where(Practice.framework_version == framework_version)
        .order_by(Practice.component_id, Practice.position)
    ).all()
    return Framework(
        framework_version=framework_version,
        components=tuple(
            ComponentInfo(
                component_id=component.component_id,
                title=component.title,
                practices=tuple(
                    PracticeInfo(
                        practice.practice_id, practice.component_id, practice.text
                    )
                    for practice in practices
                    if practice.component_id == component.component_id
                ),
            )
            for component in components
        ),
    )


def academic_year_from_slug(slug: str) -> str:
    """Turn a URL's year like 2025-26 into 2025/26, raising ValueError if invalid."""
    academic_year = slug.replace("-", "/", 1)
    academic_year_bounds(academic_year)
    return academic_year


def academic_year_slug(academic_year: str) -> str:
    """Turn 2025/26 into 2025-26 for use in URLs."""
    return academic_year.replace("/", "-")


def following_academic_year(academic_year: str) -> str:
    """Return the academic year after one labelled like 2025/26."""
    first_day, _ = academic_year_bounds(academic_year)
    start = first_day.year + 1
    return f"{start}/{(start + 1) % 100:02d}"


def score_of_level(level: int) -> float:
    """Return the score of a rating level: 0, 33.3, 66.7 or 100."""
    return round(level * 100 / 3, 1)


def score_of_levels(levels: list[int]) -> float | None:
    """Return a component's score: the mean of its practices' level scores.

    Computed from the levels and rounded once, as the warehouse does, so
    both show the same figure.
    """
    if not levels:
        return None
    return round(sum(levels) * 100 / (3 * len(levels)), 1)


# Self-reviews


def list_versions(session: Session, school_id: int, academic_year: str):
    """Return every version of a school's self-review for a year, oldest first."""
    return session.scalars(
        select(SelfReview)
        .where(
            SelfReview.school_id == school_id,
            SelfReview.academic_year == academic_year,
        )
        .order_by(SelfReview.version_number)
    ).all()


def list_self_review_years(session: Session, school_id: int) -> list[dict]:
    """Summarise each academic year with a self-review, newest year first."""
    rows = session.scalars(
        select(SelfReview)
        .where(SelfReview.school_id == school_id)
        .order_by(SelfReview.academic_year.desc(), SelfReview.version_number)
    ).all()
    years: dict[str, dict] = {}
    for row in rows:
        summary = years.setdefault(
            row.academic_year,
            {"academic_year": row.academic_year, "draft": None, "submitted": None},
        )
        if row.status == "draft":
            summary["draft"] = row
        else:
            summary["submitted"] = row
    return list(years.values())


def get_version(
    session: Session, school_id: int, academic_year: str, version_number: int
) -> SelfReview:
    """Return one version of a school's self-review, or raise NotFoundError."""
    self_review = session.scalar(
        select(SelfReview).where(
            SelfReview.school_id == school_id,
            SelfReview.academic_year == academic_year,
            SelfReview.version_number == version_number,
        )
    )
    if self_review is None:
        raise NotFoundError(
            f"the self-review for {academic_year} has no version {version_number}"
        )
    return self_review


def current_version(
    session: Session, school_id: int, academic_year: str
) -> SelfReview | None:
    """Return the version staff work on: the draft, else the latest submitted."""
    versions = list_versions(session, school_id, academic_year)
    for version in versions:
        if version.status == "draft":
            return version
    return versions[-1] if versions else None


def latest_submitted_version(
    session: Session, school_id: int, academic_year: str
) -> SelfReview | None:
    """Return the newest submitted version, or None before the first submit."""
    return session.scalar(
        select(SelfReview)
        .where(
            SelfReview.school_id == school_id,
            SelfReview.academic_year == academic_year,
            SelfReview.status == "submitted",
        )
        .order_by(SelfReview.version_number.desc())
        .limit(1)
    )


def start_draft(
    session: Session, school_id: int, academic_year: str, user: User
) -> SelfReview:
    """Return the year's draft, creating it when there is none.

    A new draft after a submitted version starts as a copy of that version.
    When two people start at once, the unique index on drafts lets one
    insert win and the other returns the winner's draft.
    """
    academic_year_bounds(academic_year)
    draft = _find_draft(session, school_id, academic_year)
    if draft is not None:
        return draft

    previous = latest_submitted_version(session, school_id, academic_year)
    framework = load_framework(
        session, previous.framework_version if previous else None
    )
    draft = SelfReview(
        school_id=school_id,
        academic_year=academic_year,
        version_number=(previous.version_number + 1) if previous else 1,
        framework_version=framework.framework_version,
        status="draft",
        created_by_user_id=user.user_id,
    )
    _fill_draft(draft, framework, previous)
    session.add(draft)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        draft = _find_draft(session, school_id, academic_year)
        if draft is None:
            raise
        return draft

    session.add(
        SelfReviewChange(
            self_review_id=draft.self_review_id,
            user_id=user.user_id,
            field="started",
            new_value=(
                f"version {draft.version_number}, copied from version "
                f"{previous.version_number}"
                if previous
                else f"version {draft.version_number}"
            ),
        )
    )
    session.commit()
    return draft


def _find_draft(
    session: Session, school_id: int, academic_year: str
) -> SelfReview | None:
    return session.scalar(
        select(SelfReview).where(
            SelfReview.school_id == school_id,
            SelfReview.academic_year == academic_year,
            SelfReview.status == "draft",
        )
    )


def _fill_draft(
    draft: SelfReview, framework: Framework, previous: SelfReview | None
) -> None:
    """Add a rating row per practice and a provision row per component."""
    earlier_ratings = {
        rating.practice_id: rating for rating in (previous.ratings if previous else [])
    }
    earlier_components = {
        component.component_id: component
        for component in (previous.components if previous else [])
    }
    for component in framework.components:
        earlier = earlier_components.get(component.component_id)
        draft.components.append(
            ComponentProvision(
                component_id=component.component_id,
                edit_count=0,
                **{
                    name: getattr(earlier, name) if earlier else None
                    for name in PROVISION_FIELDS
                },
            )
        )
        for practice in component.practices:
            rating = earlier_ratings.get(practice.practice_id)
            draft.ratings.append(
                PracticeRating(
                    practice_id=practice.practice_id,
                    component_id=component.component_id,
                    level=rating.level if rating else None,
                    evidence=rating.evidence if rating else None,
                )
            )


def ratings_by_practice(self_review: SelfReview) -> dict[str, PracticeRating]:
    return {rating.practice_id: rating for rating in self_review.ratings}


def provision_by_component(self_review: SelfReview) -> dict[str, ComponentProvision]:
    return {component.component_id: component for component in self_review.components}


def save_component(
    session: Session,
    self_review: SelfReview,
    component_id: str,
    values: ComponentValues,
    expected_edit_count: int,
    user: User,
) -> list[SelfReviewChange]:
    """Save one component page of a draft and log each changed value.

    Raises NotEditableError when the version was submitted meanwhile, and
    StaleEditError when someone saved this page after the form was opened.
    Nothing is saved in either case.
    """
    framework = load_framework(session, self_review.framework_version)
    component = framework.component(component_id)
    practice_ids = {practice.practice_id for practice in component.practices}
    _check_values(values, practice_ids)

    # The two counters are raised first: the first UPDATE takes SQLite's
    # write lock, so the values compared below cannot change before commit.
    draft_updated = session.execute(
        update(SelfReview)
        .where(
            SelfReview.self_review_id == self_review.self_review_id,
            SelfReview.status == "draft",
        )
        .values(edit_count=SelfReview.edit_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if draft_updated != 1:
        session.rollback()
        raise NotEditableError(
            f"version {self_review.version_number} has been submitted"
        )
    page_updated = session.execute(
        update(ComponentProvision)
        .where(
            ComponentProvision.self_review_id == self_review.self_review_id,
            ComponentProvision.component_id == component_id,
            ComponentProvision.edit_count == expected_edit_count,
        )
        .values(edit_count=ComponentProvision.edit_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if page_updated != 1:
        session.rollback()
        raise StaleEditError(
            last_component_change(session, self_review.self_review_id, component_id)
        )

    changes = _apply_component_values(
        session, self_review, component_id, practice_ids, values, user
    )
    session.add_all(changes)
    session.commit()
    session.refresh(self_review)
    return changes


def _check_values(values: ComponentValues, practice_ids: set[str]) -> None:
    unknown = (set(values.levels) | set(values.evidence)) - practice_ids
    if unknown:
        raise NotFoundError(
            "practice(s) " + ", ".join(sorted(unknown)) + " are not in this component"
        )
    for practice_id, level in values.levels.items():
        if level is not None and not 0 <= level < len(RATING_LEVELS):
            raise SelfReviewError(
                f"rating level {level!r} of {practice_id} is invalid: use 0 to 3"
            )
    unknown_fields = set(values.provision) - set(PROVISION_FIELDS)
    if unknown_fields:
        raise SelfReviewError(
            "unknown provision field(s): " + ", ".join(sorted(unknown_fields))
        )


def _apply_component_values(
    session: Session,
    self_review: SelfReview,
    component_id: str,
    practice_ids: set[str],
    values: ComponentValues,
    user: User,
) -> list[SelfReviewChange]:
    ratings = session.scalars(
        select(PracticeRating)
        .where(
            PracticeRating.self_review_id == self_review.self_review_id,
            PracticeRating.practice_id.in_(practice_ids),
        )
        .execution_options(populate_existing=True)
    ).all()
    provision = session.scalar(
        select(ComponentProvision)
        .where(
            ComponentProvision.self_review_id == self_review.self_review_id,
            ComponentProvision.component_id == component_id,
        )
        .execution_options(populate_existing=True)
    )

    changes = []

    def record(practice_id, name, old, new):
        changes.append(
            SelfReviewChange(
                self_review_id=self_review.self_review_id,
                user_id=user.user_id,
                component_id=component_id,
                practice_id=practice_id,
                field=name,
                old_value=old,
                new_value=new,
            )
        )

    for rating in ratings:
        if rating.practice_id in values.levels:
            level = values.levels[rating.practice_id]
            if level != rating.level:
                record(
                    rating.practice_id,
                    "level",
                    _level_name(rating.level),
                    _level_name(level),
                )
                rating.level = level
        if rating.practice_id in values.evidence:
            evidence = _clean_text(values.evidence[rating.practice_id])
            if evidence != rating.evidence:
                record(rating.practice_id, "evidence", rating.evidence, evidence)
                rating.evidence = evidence

    for name, value in values.provision.items():
        text = _clean_text(value)
        if text != getattr(provision, name):
            record(None, name, getattr(provision, name), text)
            setattr(provision, name, text)
    return changes


def _level_name(level: int | None) -> str | None:
    return None if level is None else RATING_LEVELS[level]


def _clean_text(value: str | None) -> str | None:
    """Strip a text and store an empty one as null; line ends become \\n."""
    if value is None:
        return None
    value = value.replace("\r\n", "\n").strip()
    return value or None


def unrated_practice_ids(self_review: SelfReview) -> list[str]:
    """Return the practices of a version that have no rating yet, in order."""
    order = {
        rating.practice_id: index for index, rating in enumerate(_ordered(self_review))
    }
    return sorted(
        (rating.practice_id for rating in self_review.ratings if rating.level is None),
        key=order.get,
    )


def _ordered(self_review: SelfReview) -> list[PracticeRating]:
    def key(rating):
        component_number, practice_number = rating.practice_id[1:].split(".")
        return int(component_number), int(practice_number)

    return sorted(self_review.ratings, key=key)


def submit(
    session: Session, self_review: SelfReview, expected_edit_count: int, user: User
) -> SelfReview:
    """Submit a draft, which fixes it: later changes need a new version.

    Raises IncompleteError while a practice has no rating, StaleEditError
    when the draft was saved after the submit form was opened, and
    NotEditableError when it was already submitted.
    """
    submitted_at = utc_now()
    updated = session.execute(
        update(SelfReview)
        .where(
            SelfReview.self_review_id == self_review.self_review_id,
            SelfReview.status == "draft",
            SelfReview.edit_count == expected_edit_count,
        )
        .values(
            status="submitted",
            submitted_at=submitted_at,
            submitted_by_user_id=user.user_id,
            edit_count=SelfReview.edit_count + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if updated != 1:
        session.rollback()
        session.refresh(self_review)
        if self_review.status != "draft":
            raise NotEditableError(
                f"version {self_review.version_number} has already been submitted"
            )
        raise StaleEditError(last_change(session, self_review.self_review_id))

    # Read the ratings inside the write transaction, past any copies the
    # session loaded before it.
    session.scalars(
        select(PracticeRating)
        .where(PracticeRating.self_review_id == self_review.self_review_id)
        .execution_options(populate_existing=True)
    ).all()
    session.refresh(self_review)
    missing = unrated_practice_ids(self_review)
    if missing:
        session.rollback()
        session.refresh(self_review)
        raise IncompleteError(missing)

    session.add(
        SelfReviewChange(
            self_review_id=self_review.self_review_id,
            user_id=user.user_id,
            field="submitted",
            new_value=f"version {self_review.version_number}",
        )
    )
    session.add(
        AuditEvent(
            user_id=user.user_id,
            action="submit",
            object_type="self_review",
            object_id=str(self_review.self_review_id),
        )
    )
    session.commit()
    return self_review


def list_changes(session: Session, self_review_id: int) -> list[ChangeEntry]:
    """Return a version's history, newest first, with who made each change."""
    return _change_entries(
        session,
        select(SelfReviewChange, User.display_name)
        .join(User, User.user_id == SelfReviewChange.user_id)
        .where(SelfReviewChange.self_review_id == self_review_id)
        .order_by(
            SelfReviewChange.changed_at.desc(), SelfReviewChange.change_id.desc()
        ),
    )


def last_component_change(
    session: Session, self_review_id: int, component_id: str
) -> ChangeEntry | None:
    """Return the newest change of one component page, or None."""
    entries = _change_entries(
        session,
        select(SelfReviewChange, User.display_name)
        .join(User, User.user_id == SelfReviewChange.user_id)
        .where(
            SelfReviewChange.self_review_id == self_review_id,
            SelfReviewChange.component_id == component_id,
        )
        .order_by(SelfReviewChange.change_id.desc())
        .limit(1),
    )
    return entries[0] if entries else None


def last_change(session: Session, self_review_id: int) -> ChangeEntry | None:
    """Return the newest change of a version, or None."""
    entries = _change_entries(
        session,
        select(SelfReviewChange, User.display_name)
        .join(User, User.user_id == SelfReviewChange.user_id)
        .where(SelfReviewChange.self_review_id == self_review_id)
        .order_by(SelfReviewChange.change_id.desc())
        .limit(1),
    )
    return entries[0] if entries else None


def _change_entries(session: Session, query) -> list[ChangeEntry]:
    return [
        ChangeEntry(
            changed_at=change.changed_at,
            user_name=display_name,
            component_id=change.component_id,
            practice_id=change.practice_id,
            field=change.field,
            old_value=change.old_value,
            new_value=change.new_value,
        )
        for change, display_name in session.execute(query)
    ]


def user_names(session: Session, user_ids: set[int | None]) -> dict[int, str]:
    """Map user ids to display names, for 'submitted by' and similar lines."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return dict(
        session.execute(
            select(User.user_id, User.display_name).where(User.user_id.in_(ids))
        ).all()
    )


# Next steps


@dataclass
class NextStepValues:
    """Values of the next step form, already parsed."""

    target_id: str
    stakeholder_group: str
    action: str
    lead: str
    starts_on: date
    review_on: date
    expected_change: str


def list_next_steps(
    session: Session, school_id: int, academic_year: str
) -> list[NextStep]:
    """Return a school's next steps for a year, in the order they were added."""
    return session.scalars(
        select(NextStep)
        .where(
            NextStep.school_id == school_id,
            NextStep.academic_year == academic_year,
        )
        .order_by(NextStep.next_step_id)
    ).all()


def get_next_step(
    session: Session, school_id: int, academic_year: str, next_step_id: int
) -> NextStep:
    """Return one of this school's next steps, or raise NotFoundError.

    Filtering by school means an id of another school's step is not found.
    """
    step = session.scalar(
        select(NextStep).where(
            NextStep.next_step_id == next_step_id,
            NextStep.school_id == school_id,
            NextStep.academic_year == academic_year,
        )
    )
    if step is None:
        raise NotFoundError(f"next step {next_step_id} not found")
    return step


def resolve_target(framework: Framework, target_id: str) -> tuple[str, str | None]:
    """Return (component_id, practice_id or None) for a target like C1 or P1.4."""
    for component in framework.components:
        if component.component_id == target_id:
            return component.component_id, None
        for practice in component.practices:
            if practice.practice_id == target_id:
                return component.component_id, practice.practice_id
    raise NotFoundError(
        f"{target_id!r} is not a component or practice of the framework"
    )


def create_next_step(
    session: Session,
    school_id: int,
    academic_year: str,
    values: NextStepValues,
    user: User,
) -> NextStep:
    """Add a next step for a school and year."""
    academic_year_bounds(academic_year)
    framework = load_framework(session)
    component_id, practice_id = resolve_target(framework, values.target_id)
    _check_dates(values)
    step = NextStep(
        school_id=school_id,
        academic_year=academic_year,
        framework_version=framework.framework_version,
        component_id=component_id,
        practice_id=practice_id,
        stakeholder_group=values.stakeholder_group,
        action=values.action.strip(),
        lead=values.lead.strip(),
        starts_on=values.starts_on,
        review_on=values.review_on,
        expected_change=values.expected_change.strip(),
        edit_count=0,
        created_by_user_id=user.user_id,
        updated_by_user_id=user.user_id,
    )
    session.add(step)
    session.flush()
    _audit_next_step(session, step, "create", user)
    session.commit()
    return step


def update_next_step(
    session: Session,
    step: NextStep,
    values: NextStepValues,
    expected_edit_count: int,
    user: User,
) -> NextStep:
    """Change a next step, unless someone changed it since the form opened."""
    framework = load_framework(session, step.framework_version)
    component_id, practice_id = resolve_target(framework, values.target_id)
    _check_dates(values)
    updated = session.execute(
        update(NextStep)
        .where(
            NextStep.next_step_id == step.next_step_id,
            NextStep.school_id == step.school_id,
            NextStep.edit_count == expected_edit_count,
        )
        .values(
            component_id=component_id,
            practice_id=practice_id,
            stakeholder_group=values.stakeholder_group,
            action=values.action.strip(),
            lead=values.lead.strip(),
            starts_on=values.starts_on,
            review_on=values.review_on,
            expected_change=values.expected_change.strip(),
            edit_count=NextStep.edit_count + 1,
            updated_at=utc_now(),
            updated_by_user_id=user.user_id,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if updated != 1:
        session.rollback()
        session.refresh(step)
        raise StaleEditError(None)
    _audit_next_step(session, step, "update", user)
    session.commit()
    session.refresh(step)
    return step


def delete_next_step(
    session: Session, step: NextStep, expected_edit_count: int, user: User
) -> None:
    """Remove a next step, unless it changed since the confirmation page opened."""
    next_step_id = step.next_step_id
    deleted = session.execute(
        delete(NextStep)
        .where(
            NextStep.next_step_id == next_step_id,
            NextStep.school_id == step.school_id,
            NextStep.edit_count == expected_edit_count,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if deleted != 1:
        session.rollback()
        if session.get(NextStep, next_step_id, populate_existing=True) is None:
            raise NotFoundError(f"next step {next_step_id} not found")
        raise StaleEditError(None)
    session.add(
        AuditEvent(
            user_id=user.user_id,
            action="delete",
            object_type="next_step",
            object_id=str(next_step_id),
        )
    )
    session.commit()
    session.expunge(step)


def _check_dates(values: NextStepValues) -> None:
    if values.review_on < values.starts_on:
        raise SelfReviewError("the review date must be on or after the start date")


def _audit_next_step(session: Session, step: NextStep, action: str, user: User):
    session.add(
        AuditEvent(
            user_id=user.user_id,
            action=action,
            object_type="next_step",
            object_id=str(step.next_step_id),
        )
    )
