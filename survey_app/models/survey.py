"""Schools, survey windows, their links and the anonymous responses."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import CODES_SCHEMA
from .base import Base, UTCDateTime, utc_now

PHASES = ("primary", "secondary", "special", "all_through")
ACCESS_MODES = ("open", "codes")


class School(Base):
    __tablename__ = "schools"

    school_id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # DfE unique reference number; demo schools have none.
    urn: Mapped[str | None] = mapped_column(String(10), unique=True)
    phase: Mapped[str] = mapped_column(String(20))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    __table_args__ = (
        CheckConstraint(
            "phase in ('primary', 'secondary', 'special', 'all_through')",
            name="phase_known",
        ),
    )

    windows: Mapped[list["SurveyWindow"]] = relationship(back_populates="school")


class SchoolRoll(Base):
    """How many people a school has in a stakeholder group, where known."""

    __tablename__ = "school_rolls"

    school_id: Mapped[int] = mapped_column(
        ForeignKey("schools.school_id"), primary_key=True
    )
    stakeholder_group: Mapped[str] = mapped_column(String(20), primary_key=True)
    number_on_roll: Mapped[int]


class SurveyWindow(Base):
    """One school's survey for one academic year (1 September to 31 August)."""

    __tablename__ = "survey_windows"
    __table_args__ = (
        UniqueConstraint("school_id", "academic_year"),
        CheckConstraint("opens_on <= closes_on", name="dates_in_order"),
    )

    window_id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.school_id"))
    # Labelled like 2025/26.
    academic_year: Mapped[str] = mapped_column(String(7))
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    bank_version: Mapped[str] = mapped_column(
        ForeignKey("question_bank_versions.bank_version")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    school: Mapped[School] = relationship(back_populates="windows")
    links: Mapped[list["SurveyLink"]] = relationship(back_populates="window")


class SurveyLink(Base):
    """The short link through which one stakeholder group answers one window."""

    __tablename__ = "survey_links"
    __table_args__ = (
        UniqueConstraint("window_id", "stakeholder_group"),
        CheckConstraint("access_mode in ('open', 'codes')", name="access_mode_known"),
    )

    link_id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("survey_windows.window_id"))
    stakeholder_group: Mapped[str] = mapped_column(String(20))
    # Random, URL-safe and short enough to type from a letter home.
    token: Mapped[str] = mapped_column(String(16), unique=True)
    access_mode: Mapped[str] = mapped_column(String(10), default="open")
    # A shared classroom device: after each submission it returns to a fresh start.
    kiosk: Mapped[bool] = mapped_column(Boolean, default=False)
    number_on_roll: Mapped[int | None]

    window: Mapped[SurveyWindow] = relationship(back_populates="links")


class AccessCodeBatch(Base):
    """A printed sheet of single-use codes, for example one class."""

    __tablename__ = "access_code_batches"

    batch_id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("survey_links.link_id"))
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class AccessCode(Base):
    """A single-use code, stored only as a hash.

    Spending a code sets a flag and records nothing else: no time, and no
    reference to or from the response it let in. The table lives in the
    access codes file, attached as schema codes (survey_app/db.py explains
    why). SQLite enforces no foreign key across files, so link_id and
    batch_id are plain integers: issue_access_codes checks that the link is
    stored and adds the batch itself before it adds codes.
    """

    __tablename__ = "access_codes"
    __table_args__ = {"schema": CODES_SCHEMA, "sqlite_with_rowid": False}

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    link_id: Mapped[int]
    batch_id: Mapped[int]
    is_spent: Mapped[bool] = mapped_column(Boolean, default=False)


class Response(Base):
    """One submitted questionnaire.

    response_seq orders rows for the warehouse's incremental load;
    AUTOINCREMENT keeps it from reusing the numbers of deleted rows.
    response_id is random (UUID 4) and is the idempotency key of a submission.
    The submission time is kept only as a date in the school's time zone.
    """

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint(
            "year_group is null or year_group between 1 and 13", name="year_group"
        ),
        CheckConstraint("source in ('survey', 'import')", name="source_known"),
        Index("ix_responses_window_group", "window_id", "stakeholder_group"),
        {"sqlite_autoincrement": True},
    )

    response_seq: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[str] = mapped_column(String(36), unique=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("survey_windows.window_id"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("survey_links.link_id"))
    stakeholder_group: Mapped[str] = mapped_column(String(20))
    bank_version: Mapped[str] = mapped_column(
        ForeignKey("question_bank_versions.bank_version")
    )
    submitted_on: Mapped[date]
    year_group: Mapped[int | None]
    # Measured by the app at submission; the duration itself is not stored.
    is_too_fast: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(10), default="survey")

    answers: Mapped[list["Answer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class Answer(Base):
    """One answer: a scale value, or don't know (value is null)."""

    __tablename__ = "answers"
    __table_args__ = (
        CheckConstraint(
            "(value is null and is_dont_know) or (value >= 1 and not is_dont_know)",
            name="value_or_dont_know",
        ),
        {"sqlite_with_rowid": False},
    )

    response_seq: Mapped[int] = mapped_column(
        ForeignKey("responses.response_seq", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int | None]
    is_dont_know: Mapped[bool] = mapped_column(Boolean, default=False)

    response: Mapped[Response] = relationship(back_populates="answers")
