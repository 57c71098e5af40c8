"""deployments: who deployed which BPMN, DMN and form files (with their sha256) when

Revision ID: 0016_deployments
Revises: 0013_transfer
Create Date: 2026-11-23 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016_deployments"
down_revision = "0013_transfer"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deployment",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("deployment_key", sa.BigInteger(), nullable=False),
        sa.Column(
            "deployed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("municipality_id", sa.Text(), nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment")),
        sa.UniqueConstraint("deployment_key", name=op.f("uq_deployment_deployment_key")),
    )
    op.create_table(
        "deployment_file",
        sa.Column("deployment_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployment.id"],
            name=op.f("fk_deployment_file_deployment_id_deployment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deployment_id", "name", name=op.f("pk_deployment_file")),
    )
    op.create_index("ix_deployment_file_sha256", "deployment_file", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_deployment_file_sha256", table_name="deployment_file")
    op.drop_table("deployment_file")
    op.drop_table("deployment")
