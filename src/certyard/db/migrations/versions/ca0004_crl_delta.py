"""ca: delta CRLs (per CA: the base CRL number, the changes since it, the signed delta)

Revision ID: ca0004
Revises: ca0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ca0004"
down_revision = "ca0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ca_crl_delta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ca_id", sa.Integer(), nullable=False),
        sa.Column("base_number", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("crl_number", sa.Integer(), nullable=True),
        sa.Column("crl_der", sa.LargeBinary(), nullable=True),
        sa.Column("this_update", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_update", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["ca_id"], ["ca_certificate.id"],
                                name=op.f("fk_ca_crl_delta_ca_id_ca_certificate")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ca_crl_delta")),
        sa.UniqueConstraint("ca_id", name=op.f("uq_ca_crl_delta_ca_id")),
    )


def downgrade() -> None:
    op.drop_table("ca_crl_delta")
