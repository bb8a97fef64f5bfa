"""Move access codes into their own file, attached as schema codes

The store runs in WAL mode, and its log kept a code's spend in the same
transaction's page images as the response it let in. The codes file runs in
rollback-journal mode, so its committed changes leave no page images behind.

SQLite commits each attached file on its own when the main file is in WAL
mode, and it commits the main file first. So the copy is committed through a
separate connection to the codes file before this migration drops the old
table: a crash in between leaves both copies and revision 0004, and running
the upgrade again replaces the copied rows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 21:00:00
"""

from pathlib import Path

import sqlalchemy as sa
from alembic import op

from survey_app.db import CODES_SCHEMA, connect_codes_file

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CREATE_CODES_TABLE = """
create table if not exists access_codes (
    code_hash varchar(64) not null,
    link_id integer not null,
    batch_id integer not null,
    is_spent boolean not null,
    constraint pk_access_codes primary key (code_hash)
) without rowid
"""


def upgrade() -> None:
    bind = op.get_bind()
    files = {
        row[1]: row[2] for row in bind.exec_driver_sql("pragma database_list").all()
    }
    codes = connect_codes_file(Path(files[CODES_SCHEMA]))
    try:
        codes.execute("attach database ? as store", (files["main"],))
        # A deferred transaction, so that only the codes file is written to:
        # BEGIN IMMEDIATE would wait for the store's write lock, which this
        # migration's own connection holds.
        codes.execute("begin")
        codes.execute(CREATE_CODES_TABLE)
        codes.execute(
            "insert or replace into access_codes "
            "(code_hash, link_id, batch_id, is_spent) "
            "select code_hash, link_id, batch_id, is_spent "
            "from store.access_codes order by code_hash"
        )
        (stored,) = codes.execute("select count(*) from store.access_codes").fetchone()
        (copied,) = codes.execute(
            "select count(*) from access_codes "
            "where code_hash in (select code_hash from store.access_codes)"
        ).fetchone()
        if copied != stored:
            codes.execute("rollback")
            raise RuntimeError(
                f"copied {copied} of {stored} access codes into {files[CODES_SCHEMA]}: "
                "nothing was dropped; check free space there and run db-upgrade again"
            )
        codes.execute("commit")
        codes.execute("detach database store")
    finally:
        codes.close()
    op.drop_table("access_codes", schema="main")


def downgrade() -> None:
    op.create_table(
        "access_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("is_spent", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["access_code_batches.batch_id"],
            name=op.f("fk_access_codes_batch_id_access_code_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["survey_links.link_id"],
            name=op.f("fk_access_codes_link_id_survey_links"),
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_access_codes")),
        sqlite_with_rowid=False,
    )
    # One transaction: SQLite commits the WAL-mode main file before the codes
    # file, so a crash in between keeps the codes in both files.
    op.execute(
        "insert into main.access_codes (code_hash, link_id, batch_id, is_spent) "
        "select code_hash, link_id, batch_id, is_spent from codes.access_codes"
    )
    op.drop_table("access_codes", schema=CODES_SCHEMA)
