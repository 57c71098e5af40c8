"""grants, their revisions and payments; the kontostreng configuration; finance system and
approval threshold per municipality

Revision ID: 0014_grants
Revises: 0011
Create Date: 2026-11-23 18:45:00.000000
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0014_grants"
down_revision = "0011"
branch_labels = None
depends_on = None


def _now() -> sa.Column[datetime]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.add_column(
        "municipality",
        sa.Column("finance_system", sa.Text(), server_default="OPUS", nullable=False),
    )
    op.add_column(
        "municipality",
        sa.Column(
            "payment_approval_threshold",
            sa.Numeric(12, 2),
            server_default="50000",
            nullable=False,
        ),
    )
    op.create_check_constraint(
        op.f("ck_municipality_known_finance_system"),
        "municipality",
        "finance_system IN ('OPUS', 'PRISME')",
    )
    # The second demo municipality books in Prisme, so both targets are in use.
    op.execute("UPDATE municipality SET finance_system = 'PRISME' WHERE id = '902'")
    op.create_table(
        "kontostreng_rule",
        sa.Column("municipality_id", sa.Text(), nullable=False),
        sa.Column("indsats_type", sa.Text(), nullable=False),
        sa.Column("provider_type", sa.Text(), nullable=False),
        sa.Column("funktion", sa.Text(), nullable=False),
        sa.Column("dranst", sa.Text(), nullable=False),
        sa.Column("art", sa.Text(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_kontostreng_rule_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint(
            "municipality_id", "indsats_type", "provider_type", name=op.f("pk_kontostreng_rule")
        ),
    )
    op.create_table(
        "grant_award",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("measure_id", sa.UUID(), nullable=False),
        sa.Column("municipality_id", sa.Text(), nullable=False),
        sa.Column("component", sa.Text(), nullable=False),
        sa.Column("indsats_type", sa.Text(), nullable=False),
        sa.Column("provider_type", sa.Text(), nullable=False),
        sa.Column("provider_name", sa.Text(), nullable=False),
        sa.Column("creditor_kind", sa.Text(), nullable=False),
        sa.Column("creditor_number", sa.Text(), nullable=False),
        sa.Column("income_type", sa.Text(), nullable=True),
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("funktion", sa.Text(), nullable=False),
        sa.Column("dranst", sa.Text(), nullable=False),
        sa.Column("art", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.UUID(), nullable=True),
        _now(),
        sa.CheckConstraint(
            "creditor_kind IN ('CVR', 'CPR')", name=op.f("ck_grant_award_known_creditor")
        ),
        sa.CheckConstraint(
            "component IN ('ydelse', 'vederlag', 'omkostninger')",
            name=op.f("ck_grant_award_known_component"),
        ),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_grant_award_case_id_case")),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_grant_award_measure_id_measure")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_grant_award_municipality_id_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["app_user.id"], name=op.f("fk_grant_award_decided_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_award")),
        sa.UniqueConstraint("measure_id", "component", name=op.f("uq_grant_award_measure_id")),
    )
    op.create_index("ix_grant_award_case_id", "grant_award", ["case_id"])
    op.create_table(
        "grant_revision",
        sa.Column("grant_id", sa.UUID(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("price", sa.Numeric(12, 2), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("expected_end", sa.Date(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.UUID(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "unit IN ('maaned', 'uge', 'doegn')", name=op.f("ck_grant_revision_known_unit")
        ),
        sa.CheckConstraint("price >= 0", name=op.f("ck_grant_revision_no_negative_price")),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["grant_award.id"], name=op.f("fk_grant_revision_grant_id_grant_award")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["app_user.id"], name=op.f("fk_grant_revision_recorded_by_app_user")
        ),
        sa.PrimaryKeyConstraint("grant_id", "revision", name=op.f("pk_grant_revision")),
    )
    op.create_table(
        "grant_payment",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("grant_id", sa.UUID(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("posting_id", sa.Text(), nullable=False),
        sa.Column("voucher", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("run_key", sa.BigInteger(), nullable=False),
        sa.Column("approved_by", sa.UUID(), nullable=True),
        sa.Column("approver_name", sa.Text(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posted_amount", sa.Numeric(12, 2), nullable=True),
        _now(),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["grant_award.id"], name=op.f("fk_grant_payment_grant_id_grant_award")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["app_user.id"], name=op.f("fk_grant_payment_approved_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_payment")),
        sa.UniqueConstraint("posting_id", name=op.f("uq_grant_payment_posting_id")),
        sa.UniqueConstraint("voucher", name=op.f("uq_grant_payment_voucher")),
        sa.UniqueConstraint("grant_id", "period", name=op.f("uq_grant_payment_grant_id")),
    )


def downgrade() -> None:
    op.drop_table("grant_payment")
    op.drop_table("grant_revision")
    op.drop_index("ix_grant_award_case_id", table_name="grant_award")
    op.drop_table("grant_award")
    op.drop_table("kontostreng_rule")
    op.drop_constraint(op.f("ck_municipality_known_finance_system"), "municipality", type_="check")
    op.drop_column("municipality", "payment_approval_threshold")
    op.drop_column("municipality", "finance_system")
