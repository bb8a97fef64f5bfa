"""Staff accounts and the audit log. Staff are not anonymous."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utc_now

ROLES = ("school", "borough", "admin")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role in ('school', 'borough', 'admin')", name="role_known"),
        CheckConstraint(
            "(role = 'school') = (school_id is not null)", name="school_role_has_school"
        ),
    )

    user_id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # Argon2id hash (argon2-cffi).
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.school_id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # Set when an administrator chose the password; staff pages then send the
    # person to the change-password page until they choose their own.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Copied into each signed-in session. Signing out or changing the password
    # adds one, which ends every session that contains the old number.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AuditEvent(Base):
    """A change made by a signed-in user, kept for accountability."""

    __tablename__ = "audit_events"

    event_id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.user_id"))
    action: Mapped[str] = mapped_column(String(100))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(100))
    # JSON with the changed values; never survey answers.
    detail_json: Mapped[str | None] = mapped_column(Text)
