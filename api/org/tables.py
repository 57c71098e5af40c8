"""Municipalities, their org units (teams), users and roles."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Numeric, Table, Text
from sqlalchemy.dialects.postgresql import UUID

from api.model import metadata

ROLES = ("caseworker", "team_leader", "analyst", "operator", "auditor", "finance", "admin")

municipality = Table(
    "municipality",
    metadata,
    # The kommunekode (3 digits), as CPR and the national systems use it.
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    # Non-working days beyond the national ones (hverdage arithmetic), ISO dates.
    Column("extra_closed_days", Text, nullable=False, server_default=""),
    # Decision subjects (BFU recommendations) whose decisions a team leader must approve.
    Column("approval_subjects", Text, nullable=False, server_default="anbringelse"),
    # The municipality's CVR number: where a case goes by Digital Post when a family moves.
    Column("cvr", Text, nullable=True),
    # The finance system FK-ØKO posts the municipality's payments to: OPUS or PRISME.
    Column("finance_system", Text, nullable=False, server_default="OPUS"),
    # Payments of a period above this amount (DKK) wait for a team leader's approval.
    Column("payment_approval_threshold", Numeric(12, 2), nullable=False, server_default="50000"),
    CheckConstraint("finance_system IN ('OPUS', 'PRISME')", name="known_finance_system"),
)

org_unit = Table(
    "org_unit",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("municipality_id", Text, ForeignKey("municipality.id"), nullable=False),
    Column("name", Text, nullable=False),
    # The candidate group of this team's duty queue (modtagelse/vagt) in user tasks.
    Column("duty_group", Text, nullable=False, unique=True),
    # The candidate group of the team leader(s): breach reasons and escalations go here.
    Column("leader_group", Text, nullable=False, unique=True),
)

app_user = Table(
    "app_user",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("username", Text, nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("municipality_id", Text, ForeignKey("municipality.id"), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), ForeignKey("org_unit.id"), nullable=False),
    # Development users only; production signs in through SSO and has no password here.
    Column("password_hash", Text, nullable=True),
    Column("active", Boolean, nullable=False, server_default="true"),
)

user_role = Table(
    "user_role",
    metadata,
    Column("user_id", UUID(as_uuid=True), ForeignKey("app_user.id"), primary_key=True),
    Column("role", Text, primary_key=True),
    CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="known_role"),
)
