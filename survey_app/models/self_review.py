"""A school's self-review of the 40 practices, and the next steps it plans.

Staff are not anonymous here: every change records who made it and when.
A submitted version never changes; a later change starts a new version, so
earlier versions stay readable.
"""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utc_now

SELF_REVIEW_STATUSES = ("draft", "submitted")

# Rating levels in order. A level's score is level * 100 / 3, shown to one
# decimal place (0, 33.3, 66.7 and 100).
RATING_LEVELS = ("not_yet_in_place", "emerging", "established", "embedded")

# Fields of a component's provision at each level of need, in the order shown.
PROVISION_FIELDS = ("for_all_pupils", "for_pupils_at_risk", "for_most_vulnerable")


class SelfReview(Base):
    """One version of a school's self-review for one academic year."""

    __tablename__ = "self_reviews"
    __table_args__ = (
        UniqueConstraint("school_id", "academic_year", "version_number"),
        CheckConstraint("status in ('draft', 'submitted')", name="status_known"),
        CheckConstraint("version_number >= 1", name="version_positive"),
        CheckConstraint(
            "(status = 'submitted') = (submitted_at is not null)",
            name="submitted_has_time",
        ),
        # Staff of a school edit one shared draft per year.
        Index(
            "uq_self_reviews_one_draft",
            "school_id",
            "academic_year",
            unique=True,
            sqlite_where=text("status = 'draft'"),
        ),
    )

    self_review_id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.school_id"))
    # Labelled like 2025/26.
    academic_year: Mapped[str] = mapped_column(String(7))
    version_number: Mapped[int]
    framework_version: Mapped[int] = mapped_column(
        ForeignKey("framework_versions.framework_version")
    )
    status: Mapped[str] = mapped_column(String(10), default="draft")
    # Raised by every save, so a submit form opened before a save is stale.
    edit_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.user_id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.user_id")
    )

    ratings: Mapped[list["PracticeRating"]] = relationship(
        back_populates="self_review", cascade="all, delete-orphan"
    )
    components: Mapped[list["ComponentProvision"]] = relationship(
        back_populates="self_review", cascade="all, delete-orphan"
    )


class PracticeRating(Base):
    """The rating of one practice, and the evidence behind it.

    evidence is free text written by staff; it may name pupils, so the
    warehouse never loads it.
    """

    __tablename__ = "self_review_ratings"
    __table_args__ = (
        CheckConstraint("level is null or level between 0 and 3", name="level_range"),
    )

    self_review_id: Mapped[int] = mapped_column(
        ForeignKey("self_reviews.self_review_id", ondelete="CASCADE"),
        primary_key=True,
    )
    practice_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    component_id: Mapped[str] = mapped_column(String(10))
    # Index into RATING_LEVELS; null until someone rates the practice.
    level: Mapped[int | None]
    evidence: Mapped[str | None] = mapped_column(Text)

    self_review: Mapped[SelfReview] = relationship(back_populates="ratings")


class ComponentProvision(Base):
    """Provision of one component at the three levels of need."""

    __tablename__ = "self_review_components"

    self_review_id: Mapped[int] = mapped_column(
        ForeignKey("self_reviews.self_review_id", ondelete="CASCADE"),
        primary_key=True,
    )
    component_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    # Preventative provision for every pupil.
    for_all_pupils: Mapped[str | None] = mapped_column(Text)
    for_pupils_at_risk: Mapped[str | None] = mapped_column(Text)
    for_most_vulnerable: Mapped[str | None] = mapped_column(Text)
    # Raised by every save of this component's page. The form carries the
    # value it was opened with, so a save with an older value is rejected.
    edit_count: Mapped[int] = mapped_column(default=0)

    self_review: Mapped[SelfReview] = relationship(back_populates="components")


class SelfReviewChange(Base):
    """One changed value of a self-review: who, when, old and new value."""

    __tablename__ = "self_review_changes"
    __table_args__ = (Index("ix_self_review_changes_review", "self_review_id"),)

    change_id: Mapped[int] = mapped_column(primary_key=True)
    self_review_id: Mapped[int] = mapped_column(
        ForeignKey("self_reviews.self_review_id", ondelete="CASCADE")
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.user_id"))
    component_id: Mapped[str | None] = mapped_column(String(10))
    practice_id: Mapped[str | None] = mapped_column(String(10))
    # 'level', 'evidence', one of PROVISION_FIELDS, 'started' or 'submitted'.
    field: Mapped[str] = mapped_column(String(30))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class NextStep(Base):
    """An action a school plans for a practice or component it chose to improve.

    practice_id is null when the step targets the whole component. The step
    expects a change in one stakeholder group's score between academic_year
    and the year after.
    """

    __tablename__ = "next_steps"
    __table_args__ = (
        CheckConstraint(
            "stakeholder_group in "
            "('pupil_primary', 'pupil_secondary', 'parent', 'staff', 'governor')",
            name="stakeholder_group_known",
        ),
        CheckConstraint("starts_on <= review_on", name="dates_in_order"),
        Index("ix_next_steps_school_year", "school_id", "academic_year"),
    )

    next_step_id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.school_id"))
    academic_year: Mapped[str] = mapped_column(String(7))
    framework_version: Mapped[int] = mapped_column(
        ForeignKey("framework_versions.framework_version")
    )
    component_id: Mapped[str] = mapped_column(String(10))
    practice_id: Mapped[str | None] = mapped_column(String(10))
    stakeholder_group: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(Text)
    # The person or role who leads the action, as the school writes it.
    lead: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    review_on: Mapped[date]
    expected_change: Mapped[str] = mapped_column(Text)
    edit_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.user_id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.user_id"))
