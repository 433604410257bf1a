"""ca: when each stored OCSP response was signed (OCSP fast-path workers read what changed)

Revision ID: ca0002
Revises: ca0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ca0002"
down_revision = "ca0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ca_issued") as batch:
        batch.add_column(sa.Column("ocsp_signed_at", sa.DateTime(timezone=True),
                                   nullable=True))
    op.create_index("ix_ca_issued_ocsp_signed_at", "ca_issued", ["ocsp_signed_at"])


def downgrade() -> None:
    op.drop_index("ix_ca_issued_ocsp_signed_at", table_name="ca_issued")
    with op.batch_alter_table("ca_issued") as batch:
        batch.drop_column("ocsp_signed_at")
