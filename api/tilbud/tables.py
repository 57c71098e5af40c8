"""The offer catalogue: providers and offers as imported (shared by every municipality), and
what each municipality keeps on top of them (negotiated prices, experiences)."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from api.model import metadata

# A provider (tilbudsudbyder) by its CVR number: the creditor a grant pays.
tilbud_provider = Table(
    "tilbud_provider",
    metadata,
    Column("cvr", Text, primary_key=True),
    Column("name", Text, nullable=False),
    # kommunal, regional or privat: the decision form's provider_type (and the grant's art).
    Column("provider_type", Text, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("cvr ~ '^[0-9]{8}$'", name="cvr_digits"),
)

# An offer (tilbud) as Tilbudsportalen describes it, keyed by the portal's own id so that a
# re-import updates it. Offers missing from a later file are kept (grants may point at them).
tilbud_offer = Table(
    "tilbud_offer",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("portal_id", Text, nullable=False, unique=True),
    Column("provider_cvr", Text, ForeignKey("tilbud_provider.cvr"), nullable=False),
    Column("p_number", Text, nullable=True),
    Column("name", Text, nullable=False),
    # The decision form's indsats_type this offer delivers (the need it meets).
    Column("offer_type", Text, nullable=False),
    Column("target_groups", ARRAY(Text), nullable=False),
    Column("methods", ARRAY(Text), nullable=False),
    Column("places", Integer, nullable=False),
    Column("vacancies", Integer, nullable=False),
    # Every takst of the file: [{"name", "amount", "unit"}]; the first is the offer's price.
    Column("takster", JSONB, nullable=False),
    Column("price", Numeric(12, 2), nullable=False),
    Column("price_unit", Text, nullable=False),
    # godkendt, godkendt_med_vilkaar, skaerpet_tilsyn (the socialtilsyn's status).
    Column("tilsyn_status", Text, nullable=False),
    Column("postcode", Text, nullable=True),
    Column("city", Text, nullable=True),
    Column("latitude", Numeric(8, 5), nullable=False),
    Column("longitude", Numeric(8, 5), nullable=False),
    Column("source", Text, nullable=False),  # the file it last came from
    Column("imported_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_tilbud_offer_offer_type", "offer_type"),
    CheckConstraint("places >= 0 AND vacancies >= 0", name="no_negative_places"),
)

# A municipality's negotiated price for an offer; a new agreement is a new row, the newest
# applies (the older ones are the history).
tilbud_price = Table(
    "tilbud_price",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("offer_id", UUID(as_uuid=True), ForeignKey("tilbud_offer.id"), nullable=False),
    Column("municipality_id", Text, ForeignKey("municipality.id"), nullable=False),
    Column("price", Numeric(12, 2), nullable=False),
    Column("unit", Text, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("recorded_by", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_tilbud_price_offer_id", "offer_id", "municipality_id"),
    CheckConstraint("price >= 0", name="no_negative_price"),
    CheckConstraint("unit IN ('maaned', 'uge', 'doegn')", name="known_unit"),
)

# A caseworker's experience with an offer: dated, signed, rated 1-5, seen in their own
# municipality only. About the offer, never about a child.
tilbud_experience = Table(
    "tilbud_experience",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("offer_id", UUID(as_uuid=True), ForeignKey("tilbud_offer.id"), nullable=False),
    Column("municipality_id", Text, ForeignKey("municipality.id"), nullable=False),
    Column("rating", SmallInteger, nullable=False),
    Column("text", Text, nullable=False),
    Column("written_by", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=False),
    Column("signed_as", Text, nullable=False),  # the author's name when written
    Column("written_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_tilbud_experience_offer_id", "offer_id", "municipality_id"),
    CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
)
