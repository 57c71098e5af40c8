"""sso: sso_identity, fk_role_mapping (the mapping of FK Adgangsstyring roles), user_kle

Revision ID: 0020_sso
Revises: 0015_web
Create Date: 2026-11-23 19:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_sso"
down_revision = "0015_web"
branch_labels = None
depends_on = None

ROLES = ("caseworker", "team_leader", "analyst", "operator", "auditor", "finance")


def upgrade() -> None:
    op.create_table(
        "sso_identity",
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column(
            "last_login_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_sso_identity_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_sso_identity")),
        sa.UniqueConstraint("user_id", name=op.f("uq_sso_identity_user_id")),
    )
    op.create_table(
        "fk_role_mapping",
        sa.Column("municipality_id", sa.Text(), nullable=False),
        sa.Column("fk_role", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.CheckConstraint(
            f"role IN ({', '.join(repr(r) for r in ROLES)})",
            name=op.f("ck_fk_role_mapping_known_mapped_role"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_fk_role_mapping_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint(
            "municipality_id", "fk_role", "role", name=op.f("pk_fk_role_mapping")
        ),
    )
    op.create_table(
        "user_kle",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("kle", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_user_kle_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("user_id", "kle", name=op.f("pk_user_kle")),
    )


def downgrade() -> None:
    op.drop_table("user_kle")
    op.drop_table("fk_role_mapping")
    op.drop_table("sso_identity")
