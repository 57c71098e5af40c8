"""Who deployed which files when: one row per deployment, one per file in it.

A row is written `pending` (who, when, which files and their hash) before the engine is asked,
and `recorded` with the engine's key and answer after; a pending row whose answer could not be
stored is completed from the exported deployment record (api/modeler/records.py)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from api.model import metadata

deployment = Table(
    "deployment",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # The engine's deployment key; none while pending.
    Column("deployment_key", BigInteger, nullable=True, unique=True),
    Column("state", Text, nullable=False, server_default="recorded"),
    Column("deployed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("user_id", UUID(as_uuid=True), nullable=False),
    Column("username", Text, nullable=False),
    Column("municipality_id", Text, nullable=False),
    # What the engine answered: processes, decisions and forms with their version and key.
    Column("result", JSONB, nullable=False),
    CheckConstraint("state IN ('pending', 'recorded')", name="state"),
    Index("ix_deployment_pending", "deployed_at", postgresql_where=text("state = 'pending'")),
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
