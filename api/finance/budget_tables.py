"""The budget per funktion (5.28.xx), org unit and year, and each grant's projection per month
kept for the budget's sums (recomputed from the grant's revisions whenever they change)."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import UUID

from api.model import metadata

# A budget line: what a team (org unit) may spend under a funktion in a year. Set by its team
# leader or by finance; the latest amount counts (the audit row keeps who changed it).
budget_line = Table(
    "budget_line",
    metadata,
    Column("municipality_id", Text, ForeignKey("municipality.id"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("funktion", Text, primary_key=True),
    Column("org_unit_id", UUID(as_uuid=True), ForeignKey("org_unit.id"), primary_key=True),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("updated_by", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("amount >= 0", name="no_negative_budget"),
    CheckConstraint("year BETWEEN 2000 AND 2100", name="sane_year"),
)

# A grant's projection (api.finance.projection) per month, as of its latest revision and its
# measure's end: a cache the budget sums in SQL. `grant_forecast_basis` says what it was
# computed from; a grant whose revision or end differs is computed again before a sum. Both go
# with their grant (ON DELETE CASCADE): they are derived, never the record.
grant_forecast_basis = Table(
    "grant_forecast_basis",
    metadata,
    Column(
        "grant_id",
        UUID(as_uuid=True),
        ForeignKey("grant_award.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("revision", Integer, nullable=False),
    Column("ended_on", Date, nullable=True),
    # The first and last month the projection has an amount for (NULL: none).
    Column("first_month", Date, nullable=True),
    Column("last_month", Date, nullable=True),
    Column("computed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

grant_forecast = Table(
    "grant_forecast",
    metadata,
    Column(
        "grant_id",
        UUID(as_uuid=True),
        ForeignKey("grant_award.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("month", Date, primary_key=True),  # the first day of the month
    Column("amount", Numeric(12, 2), nullable=False),
    Index("ix_grant_forecast_month", "month"),
)
