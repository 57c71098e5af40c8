"""case transfer between municipalities (BL § 132): packages sent and received through SF2900

Revision ID: 0013_transfer
Revises: 0018_monitor
Create Date: 2026-11-23 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013_transfer"
down_revision = "0018_monitor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfer_out",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("process_instance_key", sa.Text(), nullable=False),
        sa.Column("receiving_municipality_id", sa.Text(), nullable=False),
        sa.Column("receiving_cvr", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="sending", nullable=False),
        sa.Column("documents", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handed_over_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "status IN ('sending', 'sent', 'rejected')", name=op.f("ck_transfer_out_known_status")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_transfer_out_case_id_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_out")),
    )
    op.create_index("ix_transfer_out_instance", "transfer_out", ["process_instance_key"])
    op.create_index("ix_transfer_out_case", "transfer_out", ["case_id"])
    op.create_table(
        "transfer_in",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("municipality_id", sa.Text(), nullable=False),
        sa.Column("sender_cvr", sa.Text(), nullable=False),
        sa.Column("sender_municipality", sa.Text(), nullable=False),
        sa.Column("sender_case_id", sa.UUID(), nullable=False),
        sa.Column("sender_case_number", sa.Text(), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=True),
        sa.Column("summary_pdf", sa.LargeBinary(), nullable=False),
        sa.Column(
            "open_items",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("taken_over_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_transfer_in_case_id_case")),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_transfer_in_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_in")),
    )
    op.create_index("ix_transfer_in_case", "transfer_in", ["case_id"])
    op.create_table(
        "transfer_document",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("transfer_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=True),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfer_in.id"],
            name=op.f("fk_transfer_document_transfer_id_transfer_in"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_document")),
    )
    op.create_index("ix_transfer_document_transfer", "transfer_document", ["transfer_id"])


def downgrade() -> None:
    op.drop_index("ix_transfer_document_transfer", table_name="transfer_document")
    op.drop_table("transfer_document")
    op.drop_index("ix_transfer_in_case", table_name="transfer_in")
    op.drop_table("transfer_in")
    op.drop_index("ix_transfer_out_case", table_name="transfer_out")
    op.drop_index("ix_transfer_out_instance", table_name="transfer_out")
    op.drop_table("transfer_out")
