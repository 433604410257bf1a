"""policy: probe inventory and probe results

Revision ID: policy0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "policy0001"
down_revision = None
branch_labels = ("policy",)
depends_on = "f0001"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "probe_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(253), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("sni", sa.String(253), nullable=True),
        sa.Column("starttls", sa.String(8), nullable=True),
        sa.Column("trust_store", sa.String(80), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_probe_target"),
        sa.UniqueConstraint("name", name="uq_probe_target_name"),
        sa.ForeignKeyConstraint(["node_id"], ["node.id"], ondelete="CASCADE",
                                name="fk_probe_target_node_id_node"),
    )
    op.create_table(
        "probe_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", TS, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("version", sa.String(8), nullable=True),
        sa.Column("cipher", sa.String(100), nullable=True),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_probe_result"),
        sa.ForeignKeyConstraint(["target_id"], ["probe_target.id"], ondelete="CASCADE",
                                name="fk_probe_result_target_id_probe_target"),
    )
    op.create_index("ix_probe_result_target_checked", "probe_result",
                    ["target_id", "checked_at"])


def downgrade() -> None:
    op.drop_index("ix_probe_result_target_checked", table_name="probe_result")
    op.drop_table("probe_result")
    op.drop_table("probe_target")
