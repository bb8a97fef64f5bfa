"""Let staff choose their own password, and end sessions on the server

must_change_password is set on accounts that an administrator created with
a password the person did not choose; until they choose one, every staff
page sends them to the change-password page. session_version is copied into
each signed-in session; signing out or changing the password adds one to it,
which ends every session holding the old number, copied cookies included.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 20:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch.add_column(
            sa.Column(
                "session_version", sa.Integer(), nullable=False, server_default="0"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
        batch.drop_column("must_change_password")
