"""deployment_pending: a deployment is recorded as pending before the engine is asked, and
completed with the engine's key after, so a database failure in between loses no record

Revision ID: 0029_deployment_pending
Revises: 0027_pages
Create Date: 2026-12-05 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029_deployment_pending"
down_revision = "0027_pages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "deployment",
        sa.Column("state", sa.Text(), nullable=False, server_default="recorded"),
    )
    op.create_check_constraint(
        op.f("ck_deployment_state"), "deployment", "state IN ('pending', 'recorded')"
    )
    op.alter_column("deployment", "deployment_key", existing_type=sa.BigInteger(), nullable=True)
    op.create_index(
        "ix_deployment_pending",
        "deployment",
        ["deployed_at"],
        postgresql_where=sa.text("state = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_deployment_pending", table_name="deployment")
    # A pending deployment has no engine key; it cannot live in the older schema.
    op.execute("DELETE FROM deployment WHERE deployment_key IS NULL")
    op.alter_column("deployment", "deployment_key", existing_type=sa.BigInteger(), nullable=False)
    op.drop_constraint(op.f("ck_deployment_state"), "deployment", type_="check")
    op.drop_column("deployment", "state")
