"""monitor: index expiry notices by period (a scan reads the period's keys at once)

Revision ID: monitor0002
Revises: monitor0001
"""

from __future__ import annotations

from alembic import op

revision = "monitor0002"
down_revision = "monitor0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_expiry_notice_period", "expiry_notice", ["period"])


def downgrade() -> None:
    op.drop_index("ix_expiry_notice_period", table_name="expiry_notice")
