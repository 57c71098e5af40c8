"""deadline history: the Børnesagsbarometer deadlines kept outside the engine (the synthetic
year, imported history), counted by the compliance figures beside the read model's timers

Revision ID: 0028_deadline_history
Revises: 0029_deployment_pending
Create Date: 2026-12-05 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0028_deadline_history"
down_revision = "0029_deployment_pending"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deadline_history",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("case_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "rule IN ('D5', 'D6', 'D8', 'D9', 'samtale')",
            name=op.f("ck_deadline_history_known_rule"),
        ),
        sa.CheckConstraint(
            "due_at >= started_at", name=op.f("ck_deadline_history_due_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_deadline_history_case_id_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_history")),
    )
    op.create_index("ix_deadline_history_case", "deadline_history", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_deadline_history_case", table_name="deadline_history")
    op.drop_table("deadline_history")
