"""The DST code lists in effect, and each delivery with the events it carried."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import UUID

from api.model import metadata

# A code of one of DST's lists for one of our keys, valid from 1 January or 1 July; the file
# builder uses the code valid on the event's date (api/dst/kodelister.toml).
dst_code = Table(
    "dst_code",
    metadata,
    Column("list", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=True),
    Column("code", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("list", "key", "valid_from"),
    CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ordered_validity"),
)

# One event file to DST for one municipality: recorded (`sent`) before it is sent, with the
# exact file, so a retry sends the same bytes under the same LeveringID; then `accepted` or
# `rejected` with DST's reasons. The file holds CPR numbers: it is kept only while the answer is
# awaited, and dropped when DST answers (its sha256 and size stay for the audit trail).
dst_delivery = Table(
    "dst_delivery",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("delivery_id", Text, nullable=False, unique=True),
    Column("municipality_id", Text, ForeignKey("municipality.id"), nullable=False),
    # The run (process instance) that made it: one file per run and municipality.
    Column("run_key", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="sent"),
    Column("reason", Text, nullable=True),
    Column("content", LargeBinary, nullable=True),
    Column("content_sha256", Text, nullable=False),
    Column("content_size", Integer, nullable=False),
    Column("event_count", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("answered_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("status IN ('sent', 'accepted', 'rejected')", name="known_status"),
    CheckConstraint("(status = 'sent') = (content IS NOT NULL)", name="content_while_sent"),
    UniqueConstraint("run_key", "municipality_id"),
    Index("ix_dst_delivery_status", "status"),
)

dst_delivery_event = Table(
    "dst_delivery_event",
    metadata,
    Column("delivery_id", UUID(as_uuid=True), ForeignKey("dst_delivery.id"), nullable=False),
    Column("event_id", UUID(as_uuid=True), ForeignKey("statistics_event.id"), nullable=False),
    PrimaryKeyConstraint("delivery_id", "event_id"),
    Index("ix_dst_delivery_event_event", "event_id"),
)
