"""pages: indexes for the task lists of Mit overblik (my tasks, a team's duty queue) and the
case page's siblings, measured by tests/bench/pages.py

Revision ID: 0027_pages
Revises: 0023_retention
Create Date: 2026-12-05 20:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0027_pages"
down_revision = "0023_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_user_task_assignee_state", "user_task", ["assignee", "state"])
    op.create_index(
        "ix_user_task_candidate_groups",
        "user_task",
        ["candidate_groups"],
        postgresql_using="gin",
        postgresql_ops={"candidate_groups": "jsonb_path_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_user_task_candidate_groups", table_name="user_task")
    op.drop_index("ix_user_task_assignee_state", table_name="user_task")
