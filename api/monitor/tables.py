"""What operators did to instances: one row per action, shown on each instance it touched.

The request's own audit row (`audit_event`) says who called which route; this row adds what the
engine was asked, for which instances, and what came of it for each.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, Index, Table, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from api.model import metadata

OUTCOMES = ("ok", "partial", "failed", "refused")

monitor_action = Table(
    "monitor_action",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("user_id", UUID(as_uuid=True), nullable=False),
    Column("username", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("process_instance_keys", ARRAY(BigInteger), nullable=False),
    # The request without values: variable names, element ids, filter, target version.
    Column("parameters", JSONB, nullable=False),
    Column("outcome", Text, nullable=False),
    # Per instance (key as text): "ok" or the engine's refusal.
    Column("results", JSONB, nullable=False),
    CheckConstraint("outcome IN ('ok', 'partial', 'failed', 'refused')", name="known_outcome"),
    Index("ix_monitor_action_keys", "process_instance_keys", postgresql_using="gin"),
)
