"""classification loaded from SF1510 Klassifikation (KLE, handlingsfacetter, kontoplan)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classification",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("facet", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.UUID(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "facet IN ('kle', 'handlingsfacet', 'funktion', 'art')",
            name=op.f("ck_classification_known_facet"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classification")),
    )
    op.create_index("ix_classification_facet_key", "classification", ["facet", "key"], unique=False)
    # Cases were filed under KLE 27.24.00 before the classification was loaded; Barnets lov
    # cases belong under hovedgruppe 34, and intake now files them under 34.10.10 (the
    # setting's default). Moving the old ones keeps one case per child and subject.
    op.execute("UPDATE \"case\" SET kle_subject = '34.10.10' WHERE kle_subject = '27.24.00'")


def downgrade() -> None:
    op.execute("UPDATE \"case\" SET kle_subject = '27.24.00' WHERE kle_subject = '34.10.10'")
    op.drop_index("ix_classification_facet_key", table_name="classification")
    op.drop_table("classification")
