"""bulk: SFTP settings and export/import history

Revision ID: bulk0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "bulk0001"
down_revision = None
branch_labels = ("bulk",)
depends_on = "f0001"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bulk_sftp_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(253), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("password_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("key_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("directory", sa.String(1024), nullable=False),
        sa.Column("known_hosts", sa.Text(), nullable=False),
        sa.Column("host_key_sha256", sa.String(128), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bulk_sftp_settings"),
    )
    op.create_table(
        "bulk_operation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("remote_path", sa.String(1024), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bulk_operation"),
    )


def downgrade() -> None:
    op.drop_table("bulk_operation")
    op.drop_table("bulk_sftp_settings")
