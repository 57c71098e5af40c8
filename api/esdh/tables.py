"""The ESDH outbox (one row per journalised document) and journal notes."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from api.model import metadata

# One row per document to journalise, written when the document comes to be (a letter, a journal
# note) or found by the scan (a submitted form). Its id is the document's id in the ESDH and the
# index, and the idempotency keys of both calls derive from it: a retried send names the first.
# The row keeps what is journalised (title, date, fields), so the PDF is made from it alone.
esdh_document = Table(
    "esdh_document",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    # Where the document comes from, and its key there (user task key, letter key, note id).
    Column("source", Text, nullable=False),
    Column("source_key", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("dated", Date, nullable=False),
    Column("fields", JSONB, nullable=False),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("filed_at", DateTime(timezone=True), nullable=True),
    # SF2900's DistributionTransktionsID, the ESDH's receipt.
    Column("distribution_id", UUID(as_uuid=True), nullable=True),
    Column("indexed_at", DateTime(timezone=True), nullable=True),
    # Withdrawn from the case: taken out of the index (SF1470 fjern), then `removed`.
    Column("withdrawn_at", DateTime(timezone=True), nullable=True),
    Column("removed_at", DateTime(timezone=True), nullable=True),
    CheckConstraint(
        "status IN ('pending', 'filed', 'indexed', 'failed', 'withdrawn', 'removed')",
        name="known_status",
    ),
    CheckConstraint("source IN ('form_document', 'letter', 'journal_note')", name="known_source"),
    CheckConstraint("kind IN ('afgoerelse', 'ics', 'brev', 'journalnotat')", name="known_kind"),
    UniqueConstraint("source", "source_key"),
    Index("ix_esdh_document_case", "case_id"),
    Index(
        "ix_esdh_document_due",
        "next_attempt_at",
        postgresql_where="status NOT IN ('indexed', 'removed')",
    ),
)

# A journalnotat: what the caseworker noted on the case (a phone call, a meeting).
journal_note = Table(
    "journal_note",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("noted_on", Date, nullable=False),
    Column("written_by", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_journal_note_case", "case_id"),
)
