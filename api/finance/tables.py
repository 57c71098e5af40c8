"""Kontostreng configuration, grants with their revisions, and the payments of each period."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import UUID

from api.model import metadata

# The kontostreng of a grant, by the municipality's own configuration: which funktion (5.28.xx),
# dranst and art an indsats type bought from a provider type is booked under.
kontostreng_rule = Table(
    "kontostreng_rule",
    metadata,
    Column("municipality_id", Text, ForeignKey("municipality.id"), primary_key=True),
    Column("indsats_type", Text, primary_key=True),
    Column("provider_type", Text, primary_key=True),
    Column("funktion", Text, nullable=False),
    Column("dranst", Text, nullable=False),
    Column("art", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# A bevilling: what a granted indsats or anbringelse pays, to whom, booked where. A foster
# family's placement gives two: the fee (A- or B-income) and the untaxed expenses.
grant_award = Table(
    "grant_award",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    Column("measure_id", UUID(as_uuid=True), ForeignKey("measure.id"), nullable=False),
    Column("municipality_id", Text, ForeignKey("municipality.id"), nullable=False),
    # ydelse (a provider's invoice), vederlag (a foster family's fee), omkostninger (untaxed).
    Column("component", Text, nullable=False),
    Column("indsats_type", Text, nullable=False),
    Column("provider_type", Text, nullable=False),
    Column("provider_name", Text, nullable=False),
    # The creditor paid to NemKonto: a provider's CVR, or a foster family's CPR.
    Column("creditor_kind", Text, nullable=False),
    Column("creditor_number", Text, nullable=False),
    # For a person: A (professional foster family), B (plejevederlag) or SKATTEFRI.
    Column("income_type", Text, nullable=True),
    Column("service", Text, nullable=False),
    Column("funktion", Text, nullable=False),
    Column("dranst", Text, nullable=False),
    Column("art", Text, nullable=False),
    # Who submitted the granting decision: the approver of payments under the threshold.
    Column("decided_by", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=True),
    # The catalogue offer the decision chose (api/tilbud), when it came from the catalogue.
    Column("tilbud_id", UUID(as_uuid=True), ForeignKey("tilbud_offer.id"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("measure_id", "component"),
    Index("ix_grant_award_case_id", "case_id"),
    CheckConstraint("creditor_kind IN ('CVR', 'CPR')", name="known_creditor"),
    CheckConstraint("component IN ('ydelse', 'vederlag', 'omkostninger')", name="known_component"),
)

# The terms of a grant, revision by revision: the newest applies from its effective_from, the
# older ones to the days before. Nothing is updated; a change is a new revision.
grant_revision = Table(
    "grant_revision",
    metadata,
    Column("grant_id", UUID(as_uuid=True), ForeignKey("grant_award.id"), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("price", Numeric(12, 2), nullable=False),
    Column("unit", Text, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("expected_end", Date, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("recorded_by", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("unit IN ('maaned', 'uge', 'doegn')", name="known_unit"),
    CheckConstraint("price >= 0", name="no_negative_price"),
)

# One payment per grant and period (calendar month): its posting id is the idempotency key, so
# it is posted at most once whatever happens to the job that posts it.
grant_payment = Table(
    "grant_payment",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("grant_id", UUID(as_uuid=True), ForeignKey("grant_award.id"), nullable=False),
    Column("period", Date, nullable=False),  # the first day of the month
    Column("amount", Numeric(12, 2), nullable=False),
    Column("posting_id", Text, nullable=False, unique=True),
    Column("voucher", Text, nullable=False, unique=True),
    # planned, awaiting_approval, approved, rejected, posted, matched, mismatch
    Column("status", Text, nullable=False),
    Column("run_key", BigInteger, nullable=False),  # the udbetaling instance that owns it
    Column("approved_by", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=True),
    Column("approver_name", Text, nullable=True),
    Column("approved_at", DateTime(timezone=True), nullable=True),
    Column("reference", Text, nullable=True),  # the finance system's bogføringsnummer
    Column("posted_at", DateTime(timezone=True), nullable=True),
    Column("posted_amount", Numeric(12, 2), nullable=True),  # what FK-ØKO reports back
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("grant_id", "period"),
)
