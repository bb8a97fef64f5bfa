"""Files of past years' responses imported from other survey tools.

An import record contains the file's name and hash, never its content: the
columns that could identify a person are dropped before anything is stored.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utc_now

IMPORT_TOOLS = ("google_forms", "microsoft_forms", "limesurvey")


class ResponseImport(Base):
    """One imported file of responses for one school, year and stakeholder group.

    file_sha256 makes a second import of the same bytes a no-op, and
    rows_sha256 (a hash of the mapped answers, dates and year groups) does
    the same for a file saved again with the same responses.
    """

    __tablename__ = "imports"
    __table_args__ = (
        CheckConstraint(
            "tool in ('google_forms', 'microsoft_forms', 'limesurvey')",
            name="tool_known",
        ),
        CheckConstraint("imported_via in ('cli', 'app')", name="imported_via_known"),
        CheckConstraint(
            "rows_imported between 1 and rows_read", name="rows_imported_range"
        ),
    )

    import_id: Mapped[int] = mapped_column(primary_key=True)
    # The base name only: a full path can name the person who saved it.
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    rows_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    tool: Mapped[str] = mapped_column(String(20))
    window_id: Mapped[int] = mapped_column(ForeignKey("survey_windows.window_id"))
    stakeholder_group: Mapped[str] = mapped_column(String(20))
    # Data rows in the file, and the responses stored from them.
    rows_read: Mapped[int]
    rows_imported: Mapped[int]
    imported_via: Mapped[str] = mapped_column(String(10))
    # A staff user's email, or the operating system login name for the CLI.
    imported_by: Mapped[str] = mapped_column(String(254))
    imported_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.user_id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class ImportedResponse(Base):
    """A response stored by an import.

    It lets a later import of the same window and group find a file that
    repeats every row of an earlier one, such as a second export of a form
    that kept collecting responses.
    """

    __tablename__ = "import_responses"
    __table_args__ = {"sqlite_with_rowid": False}

    import_id: Mapped[int] = mapped_column(
        ForeignKey("imports.import_id"), primary_key=True
    )
    response_seq: Mapped[int] = mapped_column(
        ForeignKey("responses.response_seq", ondelete="CASCADE"), primary_key=True
    )
