"""Bearer tokens (the sessions of the API and the pages) and the single sign-on tables."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Table, Text, func
from sqlalchemy.dialects.postgresql import UUID

from api.model import metadata
from api.org.tables import ROLES

auth_token = Table(
    "auth_token",
    metadata,
    # Only the SHA-256 of the token is stored: a database dump signs nobody in.
    Column("token_hash", Text, primary_key=True),
    Column("user_id", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# Single sign-on (api/sso): who signed in through the IdP, the municipality's mapping of FK
# Adgangsstyring roles to ours, and the KLE data constraints a user's privileges carry.
sso_identity = Table(
    "sso_identity",
    metadata,
    # The IdP's persistent NameID (a UUID in OIOSAML 3); never a CPR number.
    Column("subject", Text, primary_key=True),
    Column("user_id", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=False, unique=True),
    Column("last_login_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

fk_role_mapping = Table(
    "fk_role_mapping",
    metadata,
    Column("municipality_id", Text, ForeignKey("municipality.id"), primary_key=True),
    # The FK Adgangsstyring brugersystemrolle (its entity id, a URI) as the privilege names it.
    Column("fk_role", Text, primary_key=True),
    Column("role", Text, primary_key=True),
    CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="known_mapped_role"),
)

user_kle = Table(
    "user_kle",
    metadata,
    Column("user_id", UUID(as_uuid=True), ForeignKey("app_user.id"), primary_key=True),
    # A KLE prefix without the wildcard: "34" for 34.*, "34.10" for 34.10.*, "34.10.10" exact.
    Column("kle", Text, primary_key=True),
)
