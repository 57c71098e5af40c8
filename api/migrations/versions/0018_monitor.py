"""monitor: case_id on projected instances, indexes for keyset paging and filters, monitor_action

Revision ID: 0018_monitor
Revises: 0014_grants
Create Date: 2026-11-23 18:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018_monitor"
down_revision = "0014_grants"
branch_labels = None
depends_on = None

INSTANCE_INDEXES = {
    "ix_process_instance_process_key": ["bpmn_process_id", "version", "process_instance_key"],
    "ix_process_instance_state_key": ["state", "process_instance_key"],
    "ix_process_instance_case_key": ["case_id", "process_instance_key"],
    "ix_process_instance_started_key": ["started_at", "process_instance_key"],
    "ix_process_instance_definition_state": ["process_definition_key", "state"],
}


def upgrade() -> None:
    op.add_column("process_instance", sa.Column("case_id", sa.UUID(), nullable=True))
    # What the projector now fills as records arrive; for the instances projected before.
    op.execute(
        """
        UPDATE process_instance AS pi
           SET case_id = (v.value::jsonb #>> '{}')::uuid
          FROM variable AS v
         WHERE v.process_instance_key = pi.process_instance_key
           AND v.scope_key = pi.process_instance_key
           AND v.name = 'caseId'
           AND v.value ~ '^"[0-9a-fA-F-]{36}"$'
        """
    )
    for name, columns in INSTANCE_INDEXES.items():
        op.create_index(name, "process_instance", columns, unique=False)
    op.create_index(
        "ix_element_instance_active_element",
        "element_instance",
        ["element_id", "process_instance_key"],
        unique=False,
        postgresql_where=sa.text("state = 'ACTIVE'"),
    )
    op.create_index(
        "ix_incident_active_pi",
        "incident",
        ["process_instance_key"],
        unique=False,
        postgresql_where=sa.text("state = 'ACTIVE'"),
    )
    op.create_table(
        "monitor_action",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("process_instance_keys", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("results", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('ok', 'partial', 'failed', 'refused')",
            name=op.f("ck_monitor_action_known_outcome"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_action")),
    )
    op.create_index(
        "ix_monitor_action_keys",
        "monitor_action",
        ["process_instance_keys"],
        unique=False,
        postgresql_using="gin",
    )


def downgrade() -> None:
    op.drop_index("ix_monitor_action_keys", table_name="monitor_action")
    op.drop_table("monitor_action")
    op.drop_index("ix_incident_active_pi", table_name="incident")
    op.drop_index("ix_element_instance_active_element", table_name="element_instance")
    for name in INSTANCE_INDEXES:
        op.drop_index(name, table_name="process_instance")
    op.drop_column("process_instance", "case_id")
