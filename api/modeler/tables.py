"""Who deployed which files when: one row per accepted deployment, one per file in it."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID

from api.model import metadata

deployment = Table(
    "deployment",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # The engine's deployment key.
    Column("deployment_key", BigInteger, nullable=False, unique=True),
    Column("deployed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("user_id", UUID(as_uuid=True), nullable=False),
    Column("username", Text, nullable=False),
    Column("municipality_id", Text, nullable=False),
    # What the engine answered: processes, decisions and forms with their version and key.
    Column("result", JSONB, nullable=False),
)

deployment_file = Table(
    "deployment_file",
    metadata,
    Column(
        "deployment_id",
        UUID(as_uuid=True),
        ForeignKey("deployment.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("name", Text, primary_key=True),
    Column("sha256", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Index("ix_deployment_file_sha256", "sha256"),
)
