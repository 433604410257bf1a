"""certificate authority: CA certificates, requests, issued certificates

Revision ID: ca0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ca0001"
down_revision = None
branch_labels = ("ca",)
depends_on = "f0001"


def upgrade() -> None:
    op.create_table(
        "ca_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("fingerprint_sha256", sa.String(length=64), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("private_key_id", sa.Integer(), nullable=True),
        sa.Column("crl_number", sa.Integer(), nullable=False),
        sa.Column("crl_der", sa.LargeBinary(), nullable=True),
        sa.Column("crl_this_update", sa.DateTime(timezone=True), nullable=True),
        sa.Column("crl_next_update", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["ca_certificate.id"],
                                name=op.f("fk_ca_certificate_parent_id_ca_certificate")),
        sa.ForeignKeyConstraint(["private_key_id"], ["private_key.id"], ondelete="RESTRICT",
                                name=op.f("fk_ca_certificate_private_key_id_private_key")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ca_certificate")),
    )
    op.create_table(
        "ca_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("pending_key", sa.String(length=64), nullable=True),
        sa.Column("csr_der", sa.LargeBinary(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("sans", sa.JSON(), nullable=False),
        sa.Column("key_type", sa.String(length=8), nullable=False),
        sa.Column("key_size", sa.Integer(), nullable=False),
        sa.Column("public_sha256", sa.String(length=64), nullable=False),
        sa.Column("profile", sa.String(length=32), nullable=False),
        sa.Column("requester", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=True),
        sa.Column("node_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("serial", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["node_id"], ["node.id"], ondelete="SET NULL",
                                name=op.f("fk_ca_request_node_id_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ca_request")),
        sa.UniqueConstraint("pending_key", name=op.f("uq_ca_request_pending_key")),
    )
    op.create_index(op.f("ix_ca_request_state"), "ca_request", ["state"], unique=False)
    op.create_table(
        "ca_issued",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("profile", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("sans", sa.JSON(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.String(length=32), nullable=True),
        sa.Column("ocsp_der", sa.LargeBinary(), nullable=True),
        sa.Column("ocsp_next_update", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["issuer_id"], ["ca_certificate.id"],
                                name=op.f("fk_ca_issued_issuer_id_ca_certificate")),
        sa.ForeignKeyConstraint(["request_id"], ["ca_request.id"],
                                name=op.f("fk_ca_issued_request_id_ca_request")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ca_issued")),
        sa.UniqueConstraint("serial", name=op.f("uq_ca_issued_serial")),
    )
    op.create_index("ix_ca_issued_issuer_status", "ca_issued", ["issuer_id", "status"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_ca_issued_issuer_status", table_name="ca_issued")
    op.drop_table("ca_issued")
    op.drop_index(op.f("ix_ca_request_state"), table_name="ca_request")
    op.drop_table("ca_request")
    op.drop_table("ca_certificate")
