"""statistics events for Danmarks Statistik; municipality CVR

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 16:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statistics_event",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("subject_id", sa.UUID(), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("code", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "subject IN ('sag', 'underretning', 'indsats', 'anbringelse')",
            name=op.f("ck_statistics_event_known_subject"),
        ),
        sa.CheckConstraint(
            "event IN ('start', 'change', 'end')", name=op.f("ck_statistics_event_known_event")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_statistics_event_case_id_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statistics_event")),
        sa.UniqueConstraint(
            "subject_id",
            "subject",
            "event",
            name=op.f("uq_statistics_event_subject_id"),
        ),
    )
    op.create_index("ix_statistics_event_case", "statistics_event", ["case_id"], unique=False)
    op.add_column("municipality", sa.Column("cvr", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("municipality", "cvr")
    op.drop_index("ix_statistics_event_case", table_name="statistics_event")
    op.drop_table("statistics_event")
