"""The framework and the question banks, copied from reference/ and then frozen.

A question bank version, once stored, never changes: a survey window points at
one version, so a later edit of the YAML files cannot change what an earlier
year's answers meant.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utc_now

STAKEHOLDER_GROUPS = (
    "pupil_primary",
    "pupil_secondary",
    "parent",
    "staff",
    "governor",
)


class FrameworkVersion(Base):
    __tablename__ = "framework_versions"

    framework_version: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    content_sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class Component(Base):
    __tablename__ = "components"

    framework_version: Mapped[int] = mapped_column(
        ForeignKey("framework_versions.framework_version"), primary_key=True
    )
    component_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))


class Practice(Base):
    __tablename__ = "practices"
    __table_args__ = (
        ForeignKeyConstraint(
            ["framework_version", "component_id"],
            ["components.framework_version", "components.component_id"],
        ),
    )

    framework_version: Mapped[int] = mapped_column(
        ForeignKey("framework_versions.framework_version"), primary_key=True
    )
    practice_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    component_id: Mapped[str] = mapped_column(String(10))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(500))


class QuestionBankVersion(Base):
    __tablename__ = "question_bank_versions"

    bank_version: Mapped[str] = mapped_column(String(20), primary_key=True)
    framework_version: Mapped[int] = mapped_column(
        ForeignKey("framework_versions.framework_version")
    )
    content_sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class Scale(Base):
    """An answer scale: values 1..points, plus an optional don't-know option."""

    __tablename__ = "scales"
    __table_args__ = (
        CheckConstraint("points between 2 and 11", name="points_range"),
        CheckConstraint("positive_from between 1 and points", name="positive_range"),
    )

    bank_version: Mapped[str] = mapped_column(
        ForeignKey("question_bank_versions.bank_version"), primary_key=True
    )
    scale_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    points: Mapped[int]
    positive_from: Mapped[int]
    # JSON list of the labels of values 1..points, in order.
    labels_json: Mapped[str] = mapped_column(String(1000))
    dont_know_label: Mapped[str | None] = mapped_column(String(100))


class BankGroup(Base):
    """One stakeholder group's questionnaire in a question bank version."""

    __tablename__ = "bank_groups"
    __table_args__ = (
        ForeignKeyConstraint(
            ["bank_version", "scale_id"], ["scales.bank_version", "scales.scale_id"]
        ),
    )

    bank_version: Mapped[str] = mapped_column(
        ForeignKey("question_bank_versions.bank_version"), primary_key=True
    )
    stakeholder_group: Mapped[str] = mapped_column(String(20), primary_key=True)
    scale_id: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["bank_version", "stakeholder_group"],
            ["bank_groups.bank_version", "bank_groups.stakeholder_group"],
        ),
    )

    bank_version: Mapped[str] = mapped_column(
        ForeignKey("question_bank_versions.bank_version"), primary_key=True
    )
    # A question id is reused across bank versions only for the same wording
    # and scale, so answers to one id are comparable from year to year.
    question_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    stakeholder_group: Mapped[str] = mapped_column(String(20))
    practice_id: Mapped[str] = mapped_column(String(10))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(500))
