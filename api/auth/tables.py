"""Bearer tokens issued by POST /api/auth/token (development sign-in)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from api.model import metadata

auth_token = Table(
    "auth_token",
    metadata,
    # Only the SHA-256 of the token is stored: a database dump signs nobody in.
    Column("token_hash", Text, primary_key=True),
    Column("user_id", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
