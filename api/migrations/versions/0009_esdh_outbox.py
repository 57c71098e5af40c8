"""ESDH outbox (SF2900 filing, SF1470 index) and journal notes

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 17:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "esdh_document",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_key", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("dated", sa.Date(), nullable=False),
        sa.Column("fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("distribution_id", sa.UUID(), nullable=True),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'filed', 'indexed', 'failed', 'withdrawn', 'removed')",
            name=op.f("ck_esdh_document_known_status"),
        ),
        sa.CheckConstraint(
            "source IN ('form_document', 'letter', 'journal_note')",
            name=op.f("ck_esdh_document_known_source"),
        ),
        sa.CheckConstraint(
            "kind IN ('afgoerelse', 'ics', 'brev', 'journalnotat')",
            name=op.f("ck_esdh_document_known_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_esdh_document_case_id_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_esdh_document")),
        sa.UniqueConstraint("source", "source_key", name=op.f("uq_esdh_document_source")),
    )
    op.create_index("ix_esdh_document_case", "esdh_document", ["case_id"], unique=False)
    op.create_index(
        "ix_esdh_document_due",
        "esdh_document",
        ["next_attempt_at"],
        unique=False,
        postgresql_where="status NOT IN ('indexed', 'removed')",
    )
    op.create_table(
        "journal_note",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("noted_on", sa.Date(), nullable=False),
        sa.Column("written_by", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_journal_note_case_id_case")
        ),
        sa.ForeignKeyConstraint(
            ["written_by"], ["app_user.id"], name=op.f("fk_journal_note_written_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_note")),
    )
    op.create_index("ix_journal_note_case", "journal_note", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_journal_note_case", table_name="journal_note")
    op.drop_table("journal_note")
    op.drop_index("ix_esdh_document_due", table_name="esdh_document")
    op.drop_index("ix_esdh_document_case", table_name="esdh_document")
    op.drop_table("esdh_document")
