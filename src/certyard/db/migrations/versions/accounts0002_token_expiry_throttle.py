"""accounts: API token expiry, and per-source sign-in throttling shared by every replica

Revision ID: accounts0002
Revises: accounts0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "accounts0002"
down_revision = "accounts0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("account_api_token") as b:
        b.add_column(sa.Column("expires_at", TS, nullable=True))
    op.create_table(
        "account_sign_in_throttle",
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("window_start", TS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_account_sign_in_throttle"),
    )


def downgrade() -> None:
    op.drop_table("account_sign_in_throttle")
    with op.batch_alter_table("account_api_token") as b:
        b.drop_column("expires_at")
