"""The go-live baseline: the management figures of a municipality as they were when it started
using Børnesag, kept so that gains can be measured against them."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID

from api.model import metadata

figures_baseline = Table(
    "figures_baseline",
    metadata,
    # One baseline per municipality: it is taken once, at go-live.
    Column("municipality_id", Text, ForeignKey("municipality.id"), primary_key=True),
    Column("taken_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("taken_by", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=True),
    Column("note", Text, nullable=False, server_default=""),
    # The figures (api.figures.service.snapshot): counts and amounts, no personal data.
    Column("figures", JSONB, nullable=False),
)
