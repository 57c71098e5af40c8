"""budget: budget_line per funktion, org unit and year; grant_forecast (with its basis), the
grants' projections per month for the budget's sums; figures_baseline, the go-live figures

Revision ID: 0026_budget
Revises: 0024_admin
Create Date: 2026-12-05 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0026_budget"
down_revision = "0024_admin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budget_line",
        sa.Column("municipality_id", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("funktion", sa.Text(), nullable=False),
        sa.Column("org_unit_id", sa.UUID(), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("updated_by", sa.UUID(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_budget_line_no_negative_budget")),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_budget_line_sane_year")),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_budget_line_municipality_id_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_budget_line_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["app_user.id"], name=op.f("fk_budget_line_updated_by_app_user")
        ),
        sa.PrimaryKeyConstraint(
            "municipality_id", "year", "funktion", "org_unit_id", name=op.f("pk_budget_line")
        ),
    )
    op.create_table(
        "grant_forecast_basis",
        sa.Column("grant_id", sa.UUID(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("first_month", sa.Date(), nullable=True),
        sa.Column("last_month", sa.Date(), nullable=True),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["grant_award.id"],
            name=op.f("fk_grant_forecast_basis_grant_id_grant_award"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("grant_id", name=op.f("pk_grant_forecast_basis")),
    )
    op.create_table(
        "grant_forecast",
        sa.Column("grant_id", sa.UUID(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["grant_award.id"],
            name=op.f("fk_grant_forecast_grant_id_grant_award"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("grant_id", "month", name=op.f("pk_grant_forecast")),
    )
    op.create_index("ix_grant_forecast_month", "grant_forecast", ["month"])
    op.create_table(
        "figures_baseline",
        sa.Column("municipality_id", sa.Text(), nullable=False),
        sa.Column(
            "taken_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("taken_by", sa.UUID(), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("figures", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_figures_baseline_municipality_id_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["taken_by"], ["app_user.id"], name=op.f("fk_figures_baseline_taken_by_app_user")
        ),
        sa.PrimaryKeyConstraint("municipality_id", name=op.f("pk_figures_baseline")),
    )


def downgrade() -> None:
    op.drop_table("figures_baseline")
    op.drop_index("ix_grant_forecast_month", table_name="grant_forecast")
    op.drop_table("grant_forecast")
    op.drop_table("grant_forecast_basis")
    op.drop_table("budget_line")
