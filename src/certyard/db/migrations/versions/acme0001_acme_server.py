"""acme: the ACME server (profiles, EAB keys, accounts, nonces, orders, authorizations,
challenges)

Revision ID: acme0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "acme0001"
down_revision = None
branch_labels = ("acme",)
depends_on = "ca0001"

TS = sa.DateTime(timezone=True)


def _fk(table: str, col: str, ref: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([col], [f"{ref}.id"], ondelete="CASCADE",
                                   name=f"fk_{table}_{col}_{ref}")


def upgrade() -> None:
    op.create_table(
        "acme_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("allowed_suffixes", sa.JSON(), nullable=False),
        sa.Column("allowed_names", sa.JSON(), nullable=False),
        sa.Column("allowed_networks", sa.JSON(), nullable=False),
        sa.Column("allow_wildcards", sa.Boolean(), nullable=False),
        sa.Column("cert_profile", sa.String(32), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("eab_required", sa.Boolean(), nullable=False),
        sa.Column("orders_per_hour", sa.Integer(), nullable=False),
        sa.Column("approval", sa.String(16), nullable=False),
        sa.Column("auto_approve_nodes", sa.Boolean(), nullable=False),
        sa.Column("terms_url", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_acme_profile"),
        sa.UniqueConstraint("name", name="uq_acme_profile_name"),
    )
    op.create_table(
        "acme_eab_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("hmac_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        _fk("acme_eab_key", "profile_id", "acme_profile"),
        sa.PrimaryKeyConstraint("id", name="pk_acme_eab_key"),
        sa.UniqueConstraint("kid", name="uq_acme_eab_key_kid"),
    )
    op.create_index("ix_acme_eab_key_profile_id", "acme_eab_key", ["profile_id"])
    op.create_table(
        "acme_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rid", sa.String(32), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("thumbprint", sa.String(64), nullable=False),
        sa.Column("jwk", sa.JSON(), nullable=False),
        sa.Column("contact", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("tos_agreed", sa.Boolean(), nullable=False),
        sa.Column("eab_kid", sa.String(64), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        _fk("acme_account", "profile_id", "acme_profile"),
        sa.PrimaryKeyConstraint("id", name="pk_acme_account"),
        sa.UniqueConstraint("rid", name="uq_acme_account_rid"),
        sa.UniqueConstraint("profile_id", "thumbprint",
                            name="uq_acme_account_profile_thumbprint"),
    )
    op.create_index("ix_acme_account_profile_id", "acme_account", ["profile_id"])
    op.create_index("ix_acme_account_thumbprint", "acme_account", ["thumbprint"])
    op.create_table(
        "acme_nonce",
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("value", name="pk_acme_nonce"),
    )
    op.create_index("ix_acme_nonce_expires_at", "acme_nonce", ["expires_at"])
    op.create_table(
        "acme_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rid", sa.String(32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("identifiers", sa.JSON(), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("serial", sa.String(64), nullable=True),
        sa.Column("replaces", sa.String(200), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        _fk("acme_order", "account_id", "acme_account"),
        sa.PrimaryKeyConstraint("id", name="pk_acme_order"),
        sa.UniqueConstraint("rid", name="uq_acme_order_rid"),
    )
    op.create_index("ix_acme_order_account_id", "acme_order", ["account_id"])
    op.create_index("ix_acme_order_serial", "acme_order", ["serial"])
    op.create_index("ix_acme_order_created_at", "acme_order", ["created_at"])
    op.create_table(
        "acme_authz",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rid", sa.String(32), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("identifier_type", sa.String(8), nullable=False),
        sa.Column("identifier_value", sa.String(253), nullable=False),
        sa.Column("wildcard", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        _fk("acme_authz", "order_id", "acme_order"),
        sa.PrimaryKeyConstraint("id", name="pk_acme_authz"),
        sa.UniqueConstraint("rid", name="uq_acme_authz_rid"),
    )
    op.create_index("ix_acme_authz_order_id", "acme_authz", ["order_id"])
    op.create_table(
        "acme_challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rid", sa.String(32), nullable=False),
        sa.Column("authz_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("validated_at", TS, nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        _fk("acme_challenge", "authz_id", "acme_authz"),
        sa.PrimaryKeyConstraint("id", name="pk_acme_challenge"),
        sa.UniqueConstraint("rid", name="uq_acme_challenge_rid"),
    )
    op.create_index("ix_acme_challenge_authz_id", "acme_challenge", ["authz_id"])


def downgrade() -> None:
    for table in ("acme_challenge", "acme_authz", "acme_order", "acme_nonce",
                  "acme_account", "acme_eab_key", "acme_profile"):
        op.drop_table(table)
