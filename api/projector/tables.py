"""Read-model tables built from the exporter's records.

Each Redis stream carries one value type, so rows for one instance arrive out of order across
tables. Hence no foreign keys between these tables, and every row keeps the position of the
record that last wrote it (`last_position`) so that a replayed or late record never overwrites
newer state.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = MetaData()

# Append-only: every exported record exactly once, keyed by where the engine wrote it.
raw_record = Table(
    "raw_record",
    metadata,
    Column("partition_id", Integer, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("value_type", Text, nullable=False),
    Column("intent", Text, nullable=False),
    Column("record_key", BigInteger, nullable=False),
    Column("record_time", DateTime(timezone=True), nullable=False),
    Column("payload", JSONB, nullable=False),
    Column(
        "projected_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=func.clock_timestamp(),
    ),
    PrimaryKeyConstraint("partition_id", "position"),
    # Retention purges a case's records by process instance (migration 0023_retention).
    Index(
        "ix_raw_record_process_instance_key",
        text("((payload #>> '{value,processInstanceKey}')::bigint)"),
    ),
)

process_definition = Table(
    "process_definition",
    metadata,
    Column("process_definition_key", BigInteger, primary_key=True),
    Column("bpmn_process_id", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("resource_name", Text, nullable=False),
    Column("checksum", Text, nullable=True),
    Column("bpmn_xml", Text, nullable=False),
    # element id -> deadline rule id (D1..D27), read from zeebe:property deadlineRule.
    Column("timer_rules", JSONB, nullable=False),
    Column("deployed_at", DateTime(timezone=True), nullable=False),
    Column("last_position", BigInteger, nullable=False),
    Index("ix_process_definition_bpmn_id", "bpmn_process_id", "version"),
)

form = Table(
    "form",
    metadata,
    Column("form_key", BigInteger, primary_key=True),
    Column("form_id", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("resource_name", Text, nullable=False),
    Column("schema", JSONB, nullable=False),
    Column("deployed_at", DateTime(timezone=True), nullable=False),
    Column("last_position", BigInteger, nullable=False),
    Index("ix_form_form_id", "form_id", "version"),
)

process_instance = Table(
    "process_instance",
    metadata,
    Column("process_instance_key", BigInteger, primary_key=True),
    Column("process_definition_key", BigInteger, nullable=False),
    Column("bpmn_process_id", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("parent_process_instance_key", BigInteger, nullable=True),
    Column("state", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("last_position", BigInteger, nullable=False),
    # From the instance's own caseId variable (another stream): filled by the store.
    Column("case_id", UUID(as_uuid=True), nullable=True),
    Index("ix_process_instance_state", "state", "bpmn_process_id"),
    # The monitor lists newest first by key (keyset paging), under each filter.
    Index("ix_process_instance_process_key", "bpmn_process_id", "version", "process_instance_key"),
    Index("ix_process_instance_state_key", "state", "process_instance_key"),
    Index("ix_process_instance_case_key", "case_id", "process_instance_key"),
    Index("ix_process_instance_started_key", "started_at", "process_instance_key"),
    Index("ix_process_instance_definition_state", "process_definition_key", "state"),
)

element_instance = Table(
    "element_instance",
    metadata,
    Column("element_instance_key", BigInteger, primary_key=True),
    Column("process_instance_key", BigInteger, nullable=False),
    Column("process_definition_key", BigInteger, nullable=False),
    Column("element_id", Text, nullable=False),
    Column("element_type", Text, nullable=False),
    Column("flow_scope_key", BigInteger, nullable=True),
    Column("state", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("last_position", BigInteger, nullable=False),
    Index("ix_element_instance_pi", "process_instance_key"),
    Index(
        "ix_element_instance_active_element",
        "element_id",
        "process_instance_key",
        postgresql_where=text("state = 'ACTIVE'"),
    ),
)

job = Table(
    "job",
    metadata,
    Column("job_key", BigInteger, primary_key=True),
    Column("job_type", Text, nullable=False),
    Column("process_instance_key", BigInteger, nullable=False),
    Column("element_instance_key", BigInteger, nullable=False),
    Column("element_id", Text, nullable=False),
    Column("bpmn_process_id", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("retries", Integer, nullable=False),
    Column("worker", Text, nullable=True),
    Column("deadline", DateTime(timezone=True), nullable=True),
    Column("error_code", Text, nullable=True),
    Column("error_message", Text, nullable=True),
    Column("custom_headers", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("last_position", BigInteger, nullable=False),
    Index("ix_job_state_type", "state", "job_type"),
    Index("ix_job_pi", "process_instance_key"),
)

user_task = Table(
    "user_task",
    metadata,
    Column("user_task_key", BigInteger, primary_key=True),
    Column("element_instance_key", BigInteger, nullable=False),
    Column("process_instance_key", BigInteger, nullable=False),
    Column("process_definition_key", BigInteger, nullable=False),
    Column("bpmn_process_id", Text, nullable=False),
    Column("element_id", Text, nullable=False),
    # The exact deployed form version (form.form_key), not just the form id.
    Column("form_key", BigInteger, nullable=True),
    Column("external_form_reference", Text, nullable=True),
    Column("assignee", Text, nullable=True),
    Column("candidate_groups", JSONB, nullable=False),
    Column("candidate_users", JSONB, nullable=False),
    Column("due_date", Text, nullable=True),
    Column("follow_up_date", Text, nullable=True),
    Column("custom_headers", JSONB, nullable=False),
    Column("state", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("last_position", BigInteger, nullable=False),
    Index("ix_user_task_state", "state"),
    Index("ix_user_task_pi", "process_instance_key"),
    # Mit overblik: my tasks, and a team's duty queue (candidate_groups @> '["<group>"]').
    Index("ix_user_task_assignee_state", "assignee", "state"),
    Index(
        "ix_user_task_candidate_groups",
        "candidate_groups",
        postgresql_using="gin",
        postgresql_ops={"candidate_groups": "jsonb_path_ops"},
    ),
)

timer = Table(
    "timer",
    metadata,
    Column("timer_key", BigInteger, primary_key=True),
    Column("process_definition_key", BigInteger, nullable=False),
    Column("process_instance_key", BigInteger, nullable=True),
    Column("element_instance_key", BigInteger, nullable=True),
    Column("target_element_id", Text, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("repetitions", Integer, nullable=False),
    Column("state", Text, nullable=False),
    # Filled from the deployed BPMN, because timer records carry no extension properties.
    Column("deadline_rule", Text, nullable=True),
    Column("last_position", BigInteger, nullable=False),
    Index("ix_timer_state_due", "state", "due_at"),
    Index("ix_timer_pi", "process_instance_key"),
)

incident = Table(
    "incident",
    metadata,
    Column("incident_key", BigInteger, primary_key=True),
    Column("process_instance_key", BigInteger, nullable=False),
    Column("element_instance_key", BigInteger, nullable=False),
    Column("element_id", Text, nullable=False),
    Column("bpmn_process_id", Text, nullable=False),
    Column("job_key", BigInteger, nullable=True),
    Column("error_type", Text, nullable=False),
    Column("error_message", Text, nullable=True),
    Column("state", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("last_position", BigInteger, nullable=False),
    Index("ix_incident_state", "state"),
    Index(
        "ix_incident_active_pi",
        "process_instance_key",
        postgresql_where=text("state = 'ACTIVE'"),
    ),
)

variable = Table(
    "variable",
    metadata,
    Column("variable_key", BigInteger, primary_key=True),
    Column("scope_key", BigInteger, nullable=False),
    Column("process_instance_key", BigInteger, nullable=False),
    Column("name", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("last_position", BigInteger, nullable=False),
    Index("ix_variable_pi", "process_instance_key"),
)

# The projector's own bookkeeping: not a projection, so a rebuild leaves it alone.
projector_state = Table(
    "projector_state",
    metadata,
    Column("stream", Text, primary_key=True),
    Column("last_entry_id", Text, nullable=False),
    Column("partition_id", Integer, nullable=False),
    Column("last_position", BigInteger, nullable=False),
    Column("last_record_time", DateTime(timezone=True), nullable=False),
    Column("records", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

PROJECTIONS = (
    process_definition,
    form,
    process_instance,
    element_instance,
    job,
    user_task,
    timer,
    incident,
    variable,
)
