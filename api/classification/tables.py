"""The classification loaded from SF1510 Klassifikation: one row per class, keyed by its UUID."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, Index, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from api.model import metadata

FACETS = ("kle", "handlingsfacet", "funktion", "art")
"""KLE emner, KLE handlingsfacetter, and the kontoplan's funktioner and arter."""

classification = Table(
    "classification",
    metadata,
    # Klassifikation's UUID of the class: what the loader upserts by.
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("facet", Text, nullable=False),
    # Brugervendt nøgle: 34.10.10, G01, 5.28.21, 4.7.
    Column("key", Text, nullable=False),
    Column("title", Text, nullable=False),
    # The overordnet klasse (34.10 for 34.10.10). No foreign key: it may lie outside what is
    # loaded, and a load writes classes in no particular order.
    Column("parent_id", UUID(as_uuid=True), nullable=True),
    # Klassifikation's Virkning; NULL is an open end.
    Column("valid_from", DateTime(timezone=True), nullable=True),
    Column("valid_to", DateTime(timezone=True), nullable=True),
    Column("published", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Set when a load changed the row; a load that changes nothing leaves it alone.
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("facet IN ('kle', 'handlingsfacet', 'funktion', 'art')", name="known_facet"),
    Index("ix_classification_facet_key", "facet", "key"),
)
