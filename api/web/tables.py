"""The pages' own state: saved overview filters (per user, on the server)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Table, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB, UUID

from api.model import metadata

saved_filter = Table(
    "saved_filter",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("user_id", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=False),
    Column("name", Text, nullable=False),
    # The overview's filter fields (name -> value), only the known ones.
    Column("criteria", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("user_id", "name"),
)
