"""tilbud: the offer catalogue (tilbud_provider, tilbud_offer), negotiated prices and
experiences per municipality, and the offer a grant was chosen from (grant_award.tilbud_id)

Revision ID: 0025_tilbud
Revises: 0021_audit_chain
Create Date: 2026-12-05 19:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0025_tilbud"
down_revision = "0021_audit_chain"
branch_labels = None
depends_on = None

NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "tilbud_provider",
        sa.Column("cvr", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("provider_type", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint("cvr ~ '^[0-9]{8}$'", name=op.f("ck_tilbud_provider_cvr_digits")),
        sa.PrimaryKeyConstraint("cvr", name=op.f("pk_tilbud_provider")),
    )
    op.create_table(
        "tilbud_offer",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("portal_id", sa.Text(), nullable=False),
        sa.Column("provider_cvr", sa.Text(), nullable=False),
        sa.Column("p_number", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("offer_type", sa.Text(), nullable=False),
        sa.Column("target_groups", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("methods", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("vacancies", sa.Integer(), nullable=False),
        sa.Column("takster", postgresql.JSONB(), nullable=False),
        sa.Column("price", sa.Numeric(12, 2), nullable=False),
        sa.Column("price_unit", sa.Text(), nullable=False),
        sa.Column("tilsyn_status", sa.Text(), nullable=False),
        sa.Column("postcode", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Numeric(8, 5), nullable=False),
        sa.Column("longitude", sa.Numeric(8, 5), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint(
            "places >= 0 AND vacancies >= 0", name=op.f("ck_tilbud_offer_no_negative_places")
        ),
        sa.ForeignKeyConstraint(
            ["provider_cvr"],
            ["tilbud_provider.cvr"],
            name=op.f("fk_tilbud_offer_provider_cvr_tilbud_provider"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tilbud_offer")),
        sa.UniqueConstraint("portal_id", name=op.f("uq_tilbud_offer_portal_id")),
    )
    op.create_index("ix_tilbud_offer_offer_type", "tilbud_offer", ["offer_type"])
    tables: tuple[tuple[str, list[Any], list[Any]], ...] = (
        (
            "tilbud_price",
            [
                sa.Column("price", sa.Numeric(12, 2), nullable=False),
                sa.Column("unit", sa.Text(), nullable=False),
                sa.Column("valid_from", sa.Date(), nullable=False),
                sa.Column("note", sa.Text(), server_default="", nullable=False),
                sa.Column("recorded_by", sa.UUID(), nullable=False),
                sa.Column(
                    "recorded_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False
                ),
            ],
            [
                sa.CheckConstraint("price >= 0", name=op.f("ck_tilbud_price_no_negative_price")),
                sa.CheckConstraint(
                    "unit IN ('maaned', 'uge', 'doegn')", name=op.f("ck_tilbud_price_known_unit")
                ),
                sa.ForeignKeyConstraint(
                    ["recorded_by"],
                    ["app_user.id"],
                    name=op.f("fk_tilbud_price_recorded_by_app_user"),
                ),
            ],
        ),
        (
            "tilbud_experience",
            [
                sa.Column("rating", sa.SmallInteger(), nullable=False),
                sa.Column("text", sa.Text(), nullable=False),
                sa.Column("written_by", sa.UUID(), nullable=False),
                sa.Column("signed_as", sa.Text(), nullable=False),
                sa.Column(
                    "written_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False
                ),
            ],
            [
                sa.CheckConstraint(
                    "rating BETWEEN 1 AND 5", name=op.f("ck_tilbud_experience_rating_range")
                ),
                sa.ForeignKeyConstraint(
                    ["written_by"],
                    ["app_user.id"],
                    name=op.f("fk_tilbud_experience_written_by_app_user"),
                ),
            ],
        ),
    )
    for name, columns, checks in tables:
        op.create_table(
            name,
            sa.Column("id", sa.UUID(), nullable=False),
            sa.Column("offer_id", sa.UUID(), nullable=False),
            sa.Column("municipality_id", sa.Text(), nullable=False),
            *columns,
            *checks,
            sa.ForeignKeyConstraint(
                ["offer_id"], ["tilbud_offer.id"], name=op.f(f"fk_{name}_offer_id_tilbud_offer")
            ),
            sa.ForeignKeyConstraint(
                ["municipality_id"],
                ["municipality.id"],
                name=op.f(f"fk_{name}_municipality_id_municipality"),
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        )
        op.create_index(f"ix_{name}_offer_id", name, ["offer_id", "municipality_id"])
    op.add_column("grant_award", sa.Column("tilbud_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_grant_award_tilbud_id_tilbud_offer"),
        "grant_award",
        "tilbud_offer",
        ["tilbud_id"],
        ["id"],
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_grant_award_tilbud_id_tilbud_offer"), "grant_award", type_="foreignkey"
    )
    op.drop_column("grant_award", "tilbud_id")
    op.drop_table("tilbud_experience")
    op.drop_table("tilbud_price")
    op.drop_table("tilbud_offer")
    op.drop_table("tilbud_provider")
