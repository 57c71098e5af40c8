"""Audit events: who read or changed which cases, one row per request."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Table, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from api.model import metadata

audit_event = Table(
    "audit_event",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("user_id", UUID(as_uuid=True), nullable=True),
    Column("username", Text, nullable=True),
    Column("roles", ARRAY(Text), nullable=False),
    Column("municipality_id", Text, nullable=True),
    Column("action", Text, nullable=False),
    Column("method", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("status_code", BigInteger, nullable=True),
    Column("case_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    Index("ix_audit_event_case_ids", "case_ids", postgresql_using="gin"),
)
