"""accounts: users, custom roles, sessions, API tokens, credential history, allowlist

Revision ID: accounts0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "accounts0001"
down_revision = None
branch_labels = ("accounts",)
depends_on = "f0001"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "account_role",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("privileges", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(300), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_account_role"),
    )
    op.create_table(
        "account_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("is_default_admin", sa.Boolean(), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", TS, nullable=True),
        sa.Column("locked_at", TS, nullable=True),
        sa.Column("password_changed_at", TS, nullable=False),
        sa.Column("last_sign_in_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_account_user"),
        sa.UniqueConstraint("name", name="uq_account_user_name"),
    )
    op.create_table(
        "account_password_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["account_user.id"], ondelete="CASCADE",
                                name="fk_account_password_history_user_id_account_user"),
        sa.PrimaryKeyConstraint("id", name="pk_account_password_history"),
    )
    op.create_index("ix_account_password_history_user_id", "account_password_history",
                    ["user_id"])
    op.create_table(
        "account_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["account_user.id"], ondelete="CASCADE",
                                name="fk_account_session_user_id_account_user"),
        sa.PrimaryKeyConstraint("id", name="pk_account_session"),
        sa.UniqueConstraint("token_hash", name="uq_account_session_token_hash"),
    )
    op.create_index("ix_account_session_user_id", "account_session", ["user_id"])
    op.create_table(
        "account_api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_used_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["account_user.id"], ondelete="CASCADE",
                                name="fk_account_api_token_user_id_account_user"),
        sa.PrimaryKeyConstraint("id", name="pk_account_api_token"),
        sa.UniqueConstraint("token_hash", name="uq_account_api_token_token_hash"),
    )
    op.create_index("ix_account_api_token_user_id", "account_api_token", ["user_id"])
    op.create_table(
        "account_allowlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_account_allowlist"),
        sa.UniqueConstraint("network", name="uq_account_allowlist_network"),
    )


def downgrade() -> None:
    for t in ("account_allowlist", "account_api_token", "account_session",
              "account_password_history", "account_user", "account_role"):
        op.drop_table(t)
