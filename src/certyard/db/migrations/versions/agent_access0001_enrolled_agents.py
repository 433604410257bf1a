"""agent: who minted an enrollment token, who enrolled an agent, when it was last seen and
whether it was revoked (enrolled agents are listed and revocable)

Revision ID: agent_access0001
Revises: agent0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "agent_access0001"
down_revision = "agent0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("agent_enroll_token") as b:
        b.add_column(sa.Column("created_by", sa.String(64), nullable=True))
    with op.batch_alter_table("agent_credential") as b:
        b.add_column(sa.Column("enrolled_by", sa.String(64), nullable=True))
        b.add_column(sa.Column("last_seen_at", TS, nullable=True))
        b.add_column(sa.Column("revoked_at", TS, nullable=True))
        b.add_column(sa.Column("revoked_by", sa.String(64), nullable=True))
    # Tokens not yet used were minted when any role with nodes:execute could mint them, by
    # someone this release can no longer tell: void them (make new ones with key access).
    op.execute("DELETE FROM agent_enroll_token WHERE used_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("agent_credential") as b:
        for c in ("revoked_by", "revoked_at", "last_seen_at", "enrolled_by"):
            b.drop_column(c)
    with op.batch_alter_table("agent_enroll_token") as b:
        b.drop_column("created_by")
