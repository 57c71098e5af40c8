"""raw_record is append-only: rows are never updated or deleted one by one

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every projection can be rebuilt from this table, so it must hold what the engine wrote,
    # unchanged. (Retention, when it comes, removes whole closed cases by its own migration.)
    op.execute(
        """
        CREATE FUNCTION raw_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'raw_record is append-only (% refused)', TG_OP;
        END;
        $$;
        CREATE TRIGGER raw_record_append_only
            BEFORE UPDATE OR DELETE ON raw_record
            FOR EACH ROW EXECUTE FUNCTION raw_record_append_only();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER raw_record_append_only ON raw_record")
    op.execute("DROP FUNCTION raw_record_append_only()")
