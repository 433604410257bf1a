"""ipsec: IPsec policies

Revision ID: ipsec0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ipsec0001"
down_revision = None
branch_labels = ("ipsec",)
depends_on = "f0001"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ipsec_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_name", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("auth_method", sa.String(16), nullable=False),
        sa.Column("psk_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("peer_type", sa.String(16), nullable=False),
        sa.Column("destination_address", sa.String(253), nullable=False),
        sa.Column("destination_port", sa.Integer(), nullable=True),
        sa.Column("source_address", sa.String(253), nullable=False),
        sa.Column("source_port", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("remote_port", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.String(8), nullable=False),
        sa.Column("encryption_algorithm", sa.String(16), nullable=False),
        sa.Column("hash_algorithm", sa.String(16), nullable=False),
        sa.Column("esp_algorithm", sa.String(16), nullable=False),
        sa.Column("phase1_lifetime", sa.Integer(), nullable=False),
        sa.Column("phase1_dh", sa.Integer(), nullable=False),
        sa.Column("phase2_lifetime", sa.Integer(), nullable=False),
        sa.Column("phase2_dh", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ipsec_policy"),
        sa.UniqueConstraint("name", name="uq_ipsec_policy_name"),
    )
    op.create_index("ix_ipsec_policy_group_name", "ipsec_policy", ["group_name"])


def downgrade() -> None:
    op.drop_index("ix_ipsec_policy_group_name", table_name="ipsec_policy")
    op.drop_table("ipsec_policy")
