"""Retention rules, the runs of the retention process with their report, and the audit trail of
every raw exporter record purged.

No personal data in any of them: case ids, KLE codes, rule ids, counts and error classes.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from api.model import metadata

ACTIONS = ("delete", "anonymise")
OUTCOMES = ("done", "failed", "skipped")

# How long a closed case is kept, and what happens then, keyed by KLE emne (a prefix: "34" covers
# 34.10.10) and optionally a handlingsfacet. A municipality's own rule wins over the national one
# (municipality_id NULL); among those the longest KLE prefix, then a rule naming the facet.
retention_rule = Table(
    "retention_rule",
    metadata,
    Column("id", Text, primary_key=True),
    Column("municipality_id", Text, ForeignKey("municipality.id"), nullable=True),
    Column("kle_prefix", Text, nullable=False),
    Column("handlingsfacet", Text, nullable=True),
    Column("years", Integer, nullable=False),
    Column("action", Text, nullable=False),
    # Where the period comes from (KLE's kassationskode, the archive authority's decision).
    Column("basis", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("action IN ('delete', 'anonymise')", name="known_action"),
    CheckConstraint("years >= 0", name="no_negative_years"),
)

# One run of the retention process (one per process instance; a retried job is the same run).
retention_run = Table(
    "retention_run",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("run_key", Text, nullable=False, unique=True),
    Column("status", Text, nullable=False, server_default="running"),
    Column("attempts", Integer, nullable=False, server_default="1"),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("status IN ('running', 'done', 'failed')", name="known_status"),
)

# The report: one row per case a run acted on (or could not), with the rule that applied. The
# case id has no foreign key: a deleted case's report row outlives it.
retention_run_case = Table(
    "retention_run_case",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("run_id", UUID(as_uuid=True), ForeignKey("retention_run.id"), nullable=False),
    Column("case_id", UUID(as_uuid=True), nullable=False),
    Column("municipality_id", Text, nullable=False),
    Column("kle_subject", Text, nullable=False),
    Column("rule_id", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("closed_on", Date, nullable=False),
    Column("outcome", Text, nullable=False),
    # Raw exporter records purged with the case.
    Column("raw_records", Integer, nullable=False, server_default="0"),
    # Why it failed or was skipped: an error class and SQLSTATE, never a value.
    Column("detail", Text, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("action IN ('delete', 'anonymise')", name="known_action"),
    CheckConstraint("outcome IN ('done', 'failed', 'skipped')", name="known_outcome"),
    Index("ix_retention_run_case_run_id", "run_id"),
    Index("ix_retention_run_case_case_id", "case_id"),
)

# Append-only evidence of every purge of raw exporter records: which run, which case, which
# process instance, in which transaction. raw_record's trigger lets a row go only when a row here
# names its process instance in the same transaction (migration 0023_retention).
raw_record_purge = Table(
    "raw_record_purge",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("run_id", UUID(as_uuid=True), ForeignKey("retention_run.id"), nullable=False),
    Column("case_id", UUID(as_uuid=True), nullable=False),
    Column("process_instance_key", BigInteger, nullable=False),
    Column("txid", BigInteger, nullable=False, server_default=text("txid_current()")),
    Column("purged_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_raw_record_purge_process_instance_key", "process_instance_key", "txid"),
)
