"""move measures: a measure the receiving municipality continues after a move (BL § 132)

- measure.decision_instance_key may be NULL: a measure continued from the sending
  municipality's decision has no decision of ours; it names its package instead
  (measure.transfer_id → transfer_in.id), and one of the two is always there.

Revision ID: 0030_move_measures
Revises: 0029_overview_filters
Create Date: 2026-12-05 23:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0030_move_measures"
down_revision = "0029_overview_filters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("measure", sa.Column("transfer_id", postgresql.UUID(as_uuid=True), nullable=True))
    op.create_foreign_key(
        op.f("fk_measure_transfer_id_transfer_in"),
        "measure",
        "transfer_in",
        ["transfer_id"],
        ["id"],
    )
    op.alter_column("measure", "decision_instance_key", nullable=True)
    op.create_check_constraint(
        op.f("ck_measure_decided_or_continued"),
        "measure",
        "decision_instance_key IS NOT NULL OR transfer_id IS NOT NULL",
    )


def downgrade() -> None:
    op.execute("DELETE FROM measure WHERE decision_instance_key IS NULL")
    op.drop_constraint(op.f("ck_measure_decided_or_continued"), "measure", type_="check")
    op.alter_column("measure", "decision_instance_key", nullable=False)
    op.drop_constraint(op.f("fk_measure_transfer_id_transfer_in"), "measure", type_="foreignkey")
    op.drop_column("measure", "transfer_id")
