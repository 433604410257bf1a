"""agent: enrollment tokens, agent credentials and status, trust lists, secured connections

Revision ID: agent0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "agent0001"
down_revision = None
branch_labels = ("agent",)
depends_on = "f0001"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "agent_enroll_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["node_id"], ["node.id"], name="fk_agent_enroll_token_node_id",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_agent_enroll_token"),
        sa.UniqueConstraint("token_sha256", name="uq_agent_enroll_token_token_sha256"),
    )
    op.create_table(
        "agent_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint_sha256", sa.String(64), nullable=False),
        sa.Column("serial", sa.String(64), nullable=False),
        sa.Column("not_after", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["node_id"], ["node.id"], name="fk_agent_credential_node_id",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_agent_credential"),
        sa.UniqueConstraint("fingerprint_sha256", name="uq_agent_credential_fingerprint_sha256"),
    )
    op.create_index("ix_agent_credential_node_id", "agent_credential", ["node_id"])
    op.create_table(
        "agent_status",
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("reported_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["node_id"], ["node.id"], name="fk_agent_status_node_id",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("node_id", name="pk_agent_status"),
    )
    op.create_table(
        "trust_list_version",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("digest_sha256", sa.String(64), nullable=False),
        sa.Column("signer_fingerprint", sa.String(64), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_trust_list_version"),
    )
    op.create_table(
        "secured_connection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("client_node_id", sa.Integer(), nullable=False),
        sa.Column("client_purpose", sa.String(64), nullable=False),
        sa.Column("server_node_id", sa.Integer(), nullable=False),
        sa.Column("server_purpose", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["client_node_id"], ["node.id"],
                                name="fk_secured_connection_client_node_id", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["server_node_id"], ["node.id"],
                                name="fk_secured_connection_server_node_id", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_purpose"], ["purpose.name"],
                                name="fk_secured_connection_client_purpose_purpose"),
        sa.ForeignKeyConstraint(["server_purpose"], ["purpose.name"],
                                name="fk_secured_connection_server_purpose_purpose"),
        sa.PrimaryKeyConstraint("id", name="pk_secured_connection"),
        sa.UniqueConstraint("name", name="uq_secured_connection_name"),
    )


def downgrade() -> None:
    for t in ("secured_connection", "trust_list_version", "agent_status", "agent_credential",
              "agent_enroll_token"):
        op.drop_table(t)
