"""monitor: alarms, expiry notices, outbox, revocation status, job leases

Revision ID: monitor0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "monitor0001"
down_revision = None
branch_labels = ("monitor",)
depends_on = "f0001"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alarm",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("object", sa.String(300), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("cleared", sa.Boolean(), nullable=False),
        sa.Column("cleared_at", TS, nullable=True),
        sa.Column("last_notified_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alarm"),
        sa.UniqueConstraint("name", "object", name="uq_alarm_name_object"),
    )
    op.create_index("ix_alarm_last_seen", "alarm", ["last_seen"])
    op.create_table(
        "expiry_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cert_key", sa.String(120), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_expiry_notice"),
        sa.UniqueConstraint("cert_key", "period", name="uq_expiry_notice_cert_key"),
    )
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_message"),
    )
    op.create_index("ix_outbox_message_due", "outbox_message", ["status", "next_attempt_at"])
    op.create_table(
        "revocation_status",
        sa.Column("cert_key", sa.String(120), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("checked_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("cert_key", name="pk_revocation_status"),
    )
    op.create_table(
        "job_lease",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("lease_until", TS, nullable=False),
        sa.Column("next_run_at", TS, nullable=False),
        sa.Column("last_started_at", TS, nullable=True),
        sa.Column("last_finished_at", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_job_lease"),
    )


def downgrade() -> None:
    for t in ("job_lease", "revocation_status", "outbox_message", "expiry_notice", "alarm"):
        op.drop_table(t)
