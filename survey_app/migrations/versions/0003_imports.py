"""Record imports of past years' responses

One row per imported file (its name, hashes, tool, row counts, who and
when), and the responses each import stored, so the same file or the same
rows are never imported twice.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import survey_app.models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("rows_sha256", sa.String(length=64), nullable=False),
        sa.Column("tool", sa.String(length=20), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("stakeholder_group", sa.String(length=20), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_imported", sa.Integer(), nullable=False),
        sa.Column("imported_via", sa.String(length=10), nullable=False),
        sa.Column("imported_by", sa.String(length=254), nullable=False),
        sa.Column("imported_by_user_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", survey_app.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "tool in ('google_forms', 'microsoft_forms', 'limesurvey')",
            name=op.f("ck_imports_tool_known"),
        ),
        sa.CheckConstraint(
            "imported_via in ('cli', 'app')",
            name=op.f("ck_imports_imported_via_known"),
        ),
        sa.CheckConstraint(
            "rows_imported between 1 and rows_read",
            name=op.f("ck_imports_rows_imported_range"),
        ),
        sa.ForeignKeyConstraint(
            ["imported_by_user_id"],
            ["users.user_id"],
            name=op.f("fk_imports_imported_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["survey_windows.window_id"],
            name=op.f("fk_imports_window_id_survey_windows"),
        ),
        sa.PrimaryKeyConstraint("import_id", name=op.f("pk_imports")),
        sa.UniqueConstraint("file_sha256", name=op.f("uq_imports_file_sha256")),
        sa.UniqueConstraint("rows_sha256", name=op.f("uq_imports_rows_sha256")),
    )
    op.create_table(
        "import_responses",
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("response_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["imports.import_id"],
            name=op.f("fk_import_responses_import_id_imports"),
        ),
        sa.ForeignKeyConstraint(
            ["response_seq"],
            ["responses.response_seq"],
            name=op.f("fk_import_responses_response_seq_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "import_id", "response_seq", name=op.f("pk_import_responses")
        ),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("import_responses")
    op.drop_table("imports")
