"""Danmarks Statistik: code lists by validity, deliveries and the events each carried

Revision ID: 0012_dst
Revises: 0016_deployments
Create Date: 2026-11-23 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_dst"
down_revision = "0016_deployments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dst_code",
        sa.Column("list", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "loaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_dst_code_ordered_validity")
        ),
        sa.PrimaryKeyConstraint("list", "key", "valid_from", name=op.f("pk_dst_code")),
    )
    op.create_table(
        "dst_delivery",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("delivery_id", sa.Text(), nullable=False),
        sa.Column("municipality_id", sa.Text(), nullable=False),
        sa.Column("run_key", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="sent", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('sent', 'accepted', 'rejected')", name=op.f("ck_dst_delivery_known_status")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_dst_delivery_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dst_delivery")),
        sa.UniqueConstraint("delivery_id", name=op.f("uq_dst_delivery_delivery_id")),
        sa.UniqueConstraint("run_key", "municipality_id", name=op.f("uq_dst_delivery_run_key")),
    )
    op.create_index("ix_dst_delivery_status", "dst_delivery", ["status"], unique=False)
    op.create_table(
        "dst_delivery_event",
        sa.Column("delivery_id", sa.UUID(), nullable=False),
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["dst_delivery.id"],
            name=op.f("fk_dst_delivery_event_delivery_id_dst_delivery"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["statistics_event.id"],
            name=op.f("fk_dst_delivery_event_event_id_statistics_event"),
        ),
        sa.PrimaryKeyConstraint("delivery_id", "event_id", name=op.f("pk_dst_delivery_event")),
    )
    op.create_index("ix_dst_delivery_event_event", "dst_delivery_event", ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_dst_delivery_event_event", table_name="dst_delivery_event")
    op.drop_table("dst_delivery_event")
    op.drop_index("ix_dst_delivery_status", table_name="dst_delivery")
    op.drop_table("dst_delivery")
    op.drop_table("dst_code")
