"""admin: the admin role, admin_change (the administrator's change log), case_restriction

admin_change is append-only like audit_event (0021_audit_chain's audit_append_only() trigger),
and every role but the owner loses UPDATE, DELETE and TRUNCATE on it. case_restriction rows go
with their case (ON DELETE CASCADE: retention deletes a case, and the reasons are case data).

Revision ID: 0024_admin
Revises: 0025_tilbud
Create Date: 2026-12-05 18:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0024_admin"
down_revision = "0025_tilbud"
branch_labels = None
depends_on = None

OLD_ROLES = ("caseworker", "team_leader", "analyst", "operator", "auditor", "finance")
ROLES = (*OLD_ROLES, "admin")


def _roles(table: str, name: str, roles: tuple[str, ...]) -> None:
    op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
    op.create_check_constraint(
        op.f(f"ck_{table}_{name}"), table, f"role IN ({', '.join(repr(r) for r in roles)})"
    )


APPEND_ONLY = """
CREATE TRIGGER admin_change_append_only BEFORE UPDATE OR DELETE ON admin_change
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER admin_change_no_truncate BEFORE TRUNCATE ON admin_change
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
DO $$
DECLARE
    g record;
BEGIN
    FOR g IN
        SELECT DISTINCT a.grantee
          FROM pg_class AS c CROSS JOIN LATERAL aclexplode(c.relacl) AS a
         WHERE c.relnamespace = 'public'::regnamespace
           AND c.relname = 'admin_change'
           AND a.grantee <> c.relowner
    LOOP
        EXECUTE format(
            'REVOKE UPDATE, DELETE, TRUNCATE ON admin_change FROM %s',
            CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE g.grantee::regrole::text END);
    END LOOP;
END
$$;
"""


def upgrade() -> None:
    _roles("user_role", "known_role", ROLES)
    _roles("fk_role_mapping", "known_mapped_role", ROLES)
    op.create_table(
        "admin_change",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("municipality_id", sa.Text(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("change", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("before", postgresql.JSONB(), nullable=True),
        sa.Column("after", postgresql.JSONB(), nullable=True),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_admin_change_municipality_id_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_admin_change_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_change")),
    )
    op.create_index(
        "ix_admin_change_municipality", "admin_change", ["municipality_id", "at"], unique=False
    )
    op.execute(APPEND_ONLY)
    op.create_table(
        "case_restriction",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by_user_id", sa.UUID(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
            name=op.f("fk_case_restriction_case_id_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["app_user.id"], name=op.f("fk_case_restriction_by_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_restriction")),
    )
    op.create_index("ix_case_restriction_case", "case_restriction", ["case_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_restriction_case", table_name="case_restriction")
    op.drop_table("case_restriction")
    op.drop_index("ix_admin_change_municipality", table_name="admin_change")
    op.drop_table("admin_change")
    op.execute("DELETE FROM fk_role_mapping WHERE role = 'admin'")
    op.execute("DELETE FROM user_role WHERE role = 'admin'")
    _roles("fk_role_mapping", "known_mapped_role", OLD_ROLES)
    _roles("user_role", "known_role", OLD_ROLES)
