"""overview_filters: the cases of an org unit by index, so Mit overblik's task queries (every
one joins the user's team's cases) no longer read the whole case table and, with it, every
process instance; measured by tests/bench/pages.py

Revision ID: 0029_overview_filters
Revises: 0028_dst_changes
Create Date: 2026-12-05 22:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0029_overview_filters"
down_revision = "0028_dst_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_case_unit", "case", ["municipality_id", "org_unit_id"])


def downgrade() -> None:
    op.drop_index("ix_case_unit", table_name="case")
