"""Case transfers (BL § 132): the packages a municipality sends through SF2900 when a family moves,
and the packages it receives.

A package is one SF2900 "sag": every document of the case (object type DOKUMENT, SagForslag = the
package id), then the følgeseddel (object type FORMULAR, ID = the package id) carrying the summary
PDF/A and the manifest (`adapters/sf2900/TRANSFER.md`). Personal data stays in these tables.
"""

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
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from api.model import metadata

# One row per package sent. A retried job finds its package here and sends it again under the
# same transaction ids (nothing filed twice); a package SF2900 rejected keeps its reason, and a
# new attempt is a new package.
transfer_out = Table(
    "transfer_out",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    Column("process_instance_key", Text, nullable=False),
    Column("receiving_municipality_id", Text, nullable=False),
    Column("receiving_cvr", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="sending"),
    Column("documents", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    # From the handover (the flytning's last task): the case is read-only here after this date.
    Column("handed_over_on", Date, nullable=True),
    CheckConstraint("status IN ('sending', 'sent', 'rejected')", name="known_status"),
    Index("ix_transfer_out_instance", "process_instance_key"),
    Index("ix_transfer_out_case", "case_id"),
)

# One row per package received: the new case in this municipality, linked to the sender's.
transfer_in = Table(
    "transfer_in",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),  # the package id
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    Column("municipality_id", Text, ForeignKey("municipality.id"), nullable=False),
    Column("sender_cvr", Text, nullable=False),
    Column("sender_municipality", Text, nullable=False),
    Column("sender_case_id", UUID(as_uuid=True), nullable=False),
    Column("sender_case_number", Text, nullable=False),
    Column("moved_on", Date, nullable=True),
    Column("summary_pdf", LargeBinary, nullable=False),
    # The manifest's open decisions and measures, as the sender listed them.
    Column("open_items", JSONB, nullable=False, server_default="[]"),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("taken_over_at", DateTime(timezone=True), nullable=True),
    Index("ix_transfer_in_case", "case_id"),
)

transfer_document = Table(
    "transfer_document",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("transfer_id", UUID(as_uuid=True), ForeignKey("transfer_in.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("letter_date", Date, nullable=True),
    Column("media_type", Text, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Index("ix_transfer_document_transfer", "transfer_id"),
)
