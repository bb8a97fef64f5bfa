"""Add the self-review and next steps

Staff ratings of the 40 practices with their evidence, the provision of each
component at three levels of need, the log of who changed what, and the next
steps a school plans from its comparison with stakeholder views.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 16:03:36.764867
"""

import sqlalchemy as sa
from alembic import op

import survey_app.models.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "next_steps",
        sa.Column("next_step_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("academic_year", sa.String(length=7), nullable=False),
        sa.Column("framework_version", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.String(length=10), nullable=False),
        sa.Column("practice_id", sa.String(length=10), nullable=True),
        sa.Column("stakeholder_group", sa.String(length=20), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("lead", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("expected_change", sa.Text(), nullable=False),
        sa.Column("edit_count", sa.Integer(), nullable=False),
        sa.Column("created_at", survey_app.models.base.UTCDateTime(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", survey_app.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_by_user_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "stakeholder_group in "
            "('pupil_primary', 'pupil_secondary', 'parent', 'staff', 'governor')",
            name=op.f("ck_next_steps_stakeholder_group_known"),
        ),
        sa.CheckConstraint(
            "starts_on <= review_on", name=op.f("ck_next_steps_dates_in_order")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.user_id"],
            name=op.f("fk_next_steps_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["framework_version"],
            ["framework_versions.framework_version"],
            name=op.f("fk_next_steps_framework_version_framework_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.school_id"],
            name=op.f("fk_next_steps_school_id_schools"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_user_id"],
            ["users.user_id"],
            name=op.f("fk_next_steps_updated_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("next_step_id", name=op.f("pk_next_steps")),
    )
    with op.batch_alter_table("next_steps", schema=None) as batch_op:
        batch_op.create_index(
            "ix_next_steps_school_year", ["school_id", "academic_year"], unique=False
        )

    op.create_table(
        "self_reviews",
        sa.Column("self_review_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("academic_year", sa.String(length=7), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("framework_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("edit_count", sa.Integer(), nullable=False),
        sa.Column("created_at", survey_app.models.base.UTCDateTime(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", survey_app.models.base.UTCDateTime(), nullable=True),
        sa.Column("submitted_by_user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(status = 'submitted') = (submitted_at is not null)",
            name=op.f("ck_self_reviews_submitted_has_time"),
        ),
        sa.CheckConstraint(
            "status in ('draft', 'submitted')",
            name=op.f("ck_self_reviews_status_known"),
        ),
        sa.CheckConstraint(
            "version_number >= 1", name=op.f("ck_self_reviews_version_positive")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.user_id"],
            name=op.f("fk_self_reviews_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["framework_version"],
            ["framework_versions.framework_version"],
            name=op.f("fk_self_reviews_framework_version_framework_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.school_id"],
            name=op.f("fk_self_reviews_school_id_schools"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_user_id"],
            ["users.user_id"],
            name=op.f("fk_self_reviews_submitted_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("self_review_id", name=op.f("pk_self_reviews")),
        sa.UniqueConstraint(
            "school_id",
            "academic_year",
            "version_number",
            name=op.f("uq_self_reviews_school_id"),
        ),
    )
    with op.batch_alter_table("self_reviews", schema=None) as batch_op:
        batch_op.create_index(
            "uq_self_reviews_one_draft",
            ["school_id", "academic_year"],
            unique=True,
            sqlite_where=sa.text("status = 'draft'"),
        )

    op.create_table(
        "self_review_changes",
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("self_review_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", survey_app.models.base.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.String(length=10), nullable=True),
        sa.Column("practice_id", sa.String(length=10), nullable=True),
        sa.Column("field", sa.String(length=30), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["self_review_id"],
            ["self_reviews.self_review_id"],
            name=op.f("fk_self_review_changes_self_review_id_self_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_self_review_changes_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_self_review_changes")),
    )
    with op.batch_alter_table("self_review_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_self_review_changes_review", ["self_review_id"], unique=False
        )

    op.create_table(
        "self_review_components",
        sa.Column("self_review_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.String(length=10), nullable=False),
        sa.Column("for_all_pupils", sa.Text(), nullable=True),
        sa.Column("for_pupils_at_risk", sa.Text(), nullable=True),
        sa.Column("for_most_vulnerable", sa.Text(), nullable=True),
        sa.Column("edit_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["self_review_id"],
            ["self_reviews.self_review_id"],
            name=op.f("fk_self_review_components_self_review_id_self_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "self_review_id", "component_id", name=op.f("pk_self_review_components")
        ),
    )
    op.create_table(
        "self_review_ratings",
        sa.Column("self_review_id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.String(length=10), nullable=False),
        sa.Column("component_id", sa.String(length=10), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "level is null or level between 0 and 3",
            name=op.f("ck_self_review_ratings_level_range"),
        ),
        sa.ForeignKeyConstraint(
            ["self_review_id"],
            ["self_reviews.self_review_id"],
            name=op.f("fk_self_review_ratings_self_review_id_self_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "self_review_id", "practice_id", name=op.f("pk_self_review_ratings")
        ),
    )


def downgrade() -> None:
    op.drop_table("self_review_ratings")
    op.drop_table("self_review_components")
    with op.batch_alter_table("self_review_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_self_review_changes_review")

    op.drop_table("self_review_changes")
    with op.batch_alter_table("self_reviews", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_self_reviews_one_draft", sqlite_where=sa.text("status = 'draft'")
        )

    op.drop_table("self_reviews")
    with op.batch_alter_table("next_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_next_steps_school_year")

    op.drop_table("next_steps")
