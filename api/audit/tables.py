"""Audit events: who read or changed which cases, one row per request, and their hash chains."""

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

# The hash chains over audit_event (api/audit/chain.py): written only by the database's trigger
# on audit_event (migration 0021_audit_chain); the app role can read them, not write them.
audit_chain = Table(
    "audit_chain",
    metadata,
    Column("chain_key", Text, primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("event_id", BigInteger, nullable=False),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    Index("ix_audit_chain_event_id", "event_id"),
)

# The last link of each chain: what the next append continues from, and what the verification
# compares the chain's end with (links cut off the end show as a chain shorter than its head).
audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("chain_key", Text, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", Text, nullable=False),
    Column("event_id", BigInteger, nullable=False),
)
