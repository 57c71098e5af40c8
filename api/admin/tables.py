"""The administrator's change log, and the history of case restrictions."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, ForeignKey, Index, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID

from api.model import metadata

# One row per change an administrator makes (append-only like audit_event, migration
# 0024_admin): who, what, the state before and after. Only
# configuration and ids go in before/after (unit names, candidate groups, FK role URIs, dates,
# amounts, case and user ids): never a reason's free text or anything about a child.
admin_change = Table(
    "admin_change",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("municipality_id", Text, ForeignKey("municipality.id"), nullable=False),
    Column("user_id", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=False),
    Column("username", Text, nullable=False),
    # What changed: org_unit.create, fk_role.delete, approval.update, closing_day.create, ...
    Column("change", Text, nullable=False),
    # Which one: a unit or case id, an FK role URI with our role, a date.
    Column("subject", Text, nullable=False),
    Column("before", JSONB, nullable=True),
    Column("after", JSONB, nullable=True),
    Index("ix_admin_change_municipality", "municipality_id", "at"),
)

# Every time a case is restricted or the restriction lifted, with the reason given. The reason
# is free text and may name people, so it lives here in the case store, not in the change log.
case_restriction = Table(
    "case_restriction",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column(
        "case_id", UUID(as_uuid=True), ForeignKey("case.id", ondelete="CASCADE"), nullable=False
    ),
    Column("restricted", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("by_user_id", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_case_restriction_case", "case_id", "at"),
)
