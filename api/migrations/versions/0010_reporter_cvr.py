"""a professional reporter's workplace CVR (kvittering and orientering by Digital Post)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 17:25:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("underretning", sa.Column("reporter_cvr", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("underretning", "reporter_cvr")
