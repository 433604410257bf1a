"""ca: CRL partitions (a shard number per issued certificate, one CRL per CA and shard)

Revision ID: ca0003
Revises: ca0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ca0003"
down_revision = "ca0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ca_issued") as batch:
        batch.add_column(sa.Column("crl_shard", sa.Integer(), nullable=True))
    # Covering: a shard's CRL entries are read from the index alone (its rows are spread
    # over the whole table, one per N).
    op.create_index("ix_ca_issued_issuer_shard_status", "ca_issued",
                    ["issuer_id", "crl_shard", "status", "serial", "revoked_at",
                     "revocation_reason"])
    op.create_table(
        "ca_crl_shard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ca_id", sa.Integer(), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("crl_number", sa.Integer(), nullable=False),
        sa.Column("crl_der", sa.LargeBinary(), nullable=True),
        sa.Column("this_update", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_update", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["ca_id"], ["ca_certificate.id"],
                                name=op.f("fk_ca_crl_shard_ca_id_ca_certificate")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ca_crl_shard")),
        sa.UniqueConstraint("ca_id", "shard", name=op.f("uq_ca_crl_shard_ca_id")),
    )


def downgrade() -> None:
    op.drop_table("ca_crl_shard")
    op.drop_index("ix_ca_issued_issuer_shard_status", table_name="ca_issued")
    with op.batch_alter_table("ca_issued") as batch:
        batch.drop_column("crl_shard")
