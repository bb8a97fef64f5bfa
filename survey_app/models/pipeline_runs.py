"""Runs of the warehouse pipeline, so the app can show when results changed."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utc_now

RUN_STATUSES = ("queued", "running", "succeeded", "failed")


class PipelineRun(Base):
    __tablename__ = "pipeline_runs"
    __table_args__ = (
        CheckConstraint(
            "status in ('queued', 'running', 'succeeded', 'failed')",
            name="status_known",
        ),
    )

    run_id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    # 'cli' or 'app'.
    started_by: Mapped[str] = mapped_column(String(10))
    requested_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.user_id")
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The failed step and its message, or a summary of what was published.
    message: Mapped[str | None] = mapped_column(Text)
