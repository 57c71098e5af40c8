"""retention: rules by KLE, runs and their report, and a privileged, audited purge of a closed
case's raw exporter records and projections; raw_record stays append-only for everything else

Revision ID: 0023_retention
Revises: 0026_budget
Create Date: 2026-12-05 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_retention"
down_revision = "0026_budget"
branch_labels = None
depends_on = None

# National defaults, per KLE emne under hovedgruppe 34 (Barnets lov). Each municipality checks
# them against KLE's published kassationskoder and its archive authority's bevaringsbestemmelse,
# and sets its own with a row naming it (municipality_id). NOT VERIFIED against KLE's current
# publication: KLE's kassation data is not in ../shared/docs.
SEED = (
    (
        "kle-34",
        "34",
        None,
        5,
        "delete",
        "KLE 34 Børn og unge: kasseres 5 år efter sagens afslutning (K5)",
    ),
    (
        "kle-34.25",
        "34.25",
        None,
        10,
        "anonymise",
        "KLE 34.25 Anbringelse uden samtykke: sagsforløbet bevares anonymiseret i 10 år",
    ),
    (
        "kle-34.30",
        "34.30",
        None,
        10,
        "anonymise",
        "KLE 34.30 Anbringelse med samtykke: sagsforløbet bevares anonymiseret i 10 år",
    ),
)


def upgrade() -> None:
    op.create_table(
        "retention_rule",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("municipality_id", sa.Text(), nullable=True),
        sa.Column("kle_prefix", sa.Text(), nullable=False),
        sa.Column("handlingsfacet", sa.Text(), nullable=True),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "action IN ('delete', 'anonymise')", name=op.f("ck_retention_rule_known_action")
        ),
        sa.CheckConstraint("years >= 0", name=op.f("ck_retention_rule_no_negative_years")),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_retention_rule_municipality_id_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_rule")),
    )
    rules = sa.table(
        "retention_rule",
        sa.column("id", sa.Text()),
        sa.column("kle_prefix", sa.Text()),
        sa.column("handlingsfacet", sa.Text()),
        sa.column("years", sa.Integer()),
        sa.column("action", sa.Text()),
        sa.column("basis", sa.Text()),
    )
    op.bulk_insert(
        rules,
        [
            dict(
                zip(
                    ("id", "kle_prefix", "handlingsfacet", "years", "action", "basis"),
                    row,
                    strict=True,
                )
            )
            for row in SEED
        ],
    )
    op.create_table(
        "retention_run",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("run_key", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="running", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'done', 'failed')", name=op.f("ck_retention_run_known_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_run")),
        sa.UniqueConstraint("run_key", name=op.f("uq_retention_run_run_key")),
    )
    op.create_table(
        "retention_run_case",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("municipality_id", sa.Text(), nullable=False),
        sa.Column("kle_subject", sa.Text(), nullable=False),
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("raw_records", sa.Integer(), server_default="0", nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint(
            "action IN ('delete', 'anonymise')", name=op.f("ck_retention_run_case_known_action")
        ),
        sa.CheckConstraint(
            "outcome IN ('done', 'failed', 'skipped')",
            name=op.f("ck_retention_run_case_known_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["retention_run.id"],
            name=op.f("fk_retention_run_case_run_id_retention_run"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_run_case")),
    )
    op.create_index("ix_retention_run_case_run_id", "retention_run_case", ["run_id"])
    op.create_index("ix_retention_run_case_case_id", "retention_run_case", ["case_id"])
    op.create_table(
        "raw_record_purge",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.UUID(), nullable=False),
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("process_instance_key", sa.BigInteger(), nullable=False),
        sa.Column(
            "txid", sa.BigInteger(), server_default=sa.text("txid_current()"), nullable=False
        ),
        sa.Column(
            "purged_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["retention_run.id"], name=op.f("fk_raw_record_purge_run_id_retention_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_record_purge")),
    )
    op.create_index(
        "ix_raw_record_purge_process_instance_key",
        "raw_record_purge",
        ["process_instance_key", "txid"],
    )
    op.create_index(
        "ix_raw_record_process_instance_key",
        "raw_record",
        [sa.text("((payload #>> '{value,processInstanceKey}')::bigint)")],
    )
    # An anonymised person keeps neither CPR number nor a mother's.
    op.drop_constraint(op.f("ck_person_cpr_or_unborn_mother"), "person", type_="check")
    op.drop_constraint(op.f("ck_person_known_cpr_status"), "person", type_="check")
    op.create_check_constraint(
        op.f("ck_person_cpr_or_unborn_mother"),
        "person",
        "cpr IS NOT NULL OR unborn_mother_id IS NOT NULL OR cpr_status = 'anonymised'",
    )
    op.create_check_constraint(
        op.f("ck_person_known_cpr_status"),
        "person",
        "cpr_status IN ('pending', 'found', 'not_found', 'anonymised')",
    )
    op.execute(
        """
        -- raw_record stays append-only: no UPDATE ever, and a DELETE only of a record whose
        -- process instance a raw_record_purge row names in the same transaction.
        CREATE OR REPLACE FUNCTION raw_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND EXISTS (
                SELECT 1 FROM raw_record_purge p
                 WHERE p.txid = txid_current()
                   AND p.process_instance_key
                       = (OLD.payload #>> '{value,processInstanceKey}')::bigint
            ) THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'raw_record is append-only (% refused)', TG_OP;
        END;
        $$;

        CREATE FUNCTION raw_record_purge_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'raw_record_purge is append-only (% refused)', TG_OP;
        END;
        $$;
        CREATE TRIGGER raw_record_purge_append_only
            BEFORE UPDATE OR DELETE ON raw_record_purge
            FOR EACH ROW EXECUTE FUNCTION raw_record_purge_append_only();

        -- The one way a case's engine history leaves the read model: for a running retention
        -- run, every process instance of the case (and the instances they called) must have
        -- ended; each is recorded in raw_record_purge, then its raw records and projection
        -- rows go. Runs as the owner, so the services' role needs no DELETE on raw_record.
        CREATE FUNCTION retention_purge_case(p_run uuid, p_case uuid) RETURNS bigint
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE
            keys bigint[];
            unended bigint;
            purged bigint;
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM retention_run WHERE id = p_run AND status = 'running')
            THEN
                RAISE EXCEPTION 'retention run % is not running', p_run;
            END IF;
            WITH RECURSIVE tree AS (
                SELECT process_instance_key FROM process_instance WHERE case_id = p_case
                UNION
                SELECT c.process_instance_key
                  FROM process_instance c
                  JOIN tree ON c.parent_process_instance_key = tree.process_instance_key
            )
            SELECT array_agg(process_instance_key) INTO keys FROM tree;
            IF keys IS NULL THEN
                RETURN 0;
            END IF;
            SELECT count(*) INTO unended FROM process_instance
             WHERE process_instance_key = ANY(keys) AND state NOT IN ('COMPLETED', 'TERMINATED');
            IF unended > 0 THEN
                RAISE EXCEPTION 'case % has % process instance(s) that have not ended',
                    p_case, unended;
            END IF;
            INSERT INTO raw_record_purge (run_id, case_id, process_instance_key)
                SELECT p_run, p_case, k FROM unnest(keys) AS k;
            DELETE FROM raw_record
             WHERE (payload #>> '{value,processInstanceKey}')::bigint = ANY(keys);
            GET DIAGNOSTICS purged = ROW_COUNT;
            DELETE FROM variable WHERE process_instance_key = ANY(keys);
            DELETE FROM element_instance WHERE process_instance_key = ANY(keys);
            DELETE FROM job WHERE process_instance_key = ANY(keys);
            DELETE FROM user_task WHERE process_instance_key = ANY(keys);
            DELETE FROM timer WHERE process_instance_key = ANY(keys);
            DELETE FROM incident WHERE process_instance_key = ANY(keys);
            DELETE FROM process_instance WHERE process_instance_key = ANY(keys);
            RETURN purged;
        END;
        $$;

        -- Only the owner (migrations, and the function above) may delete or update raw records
        -- or their purge trail; the services' role keeps SELECT and INSERT.
        DO $$
        DECLARE
            grantee text;
        BEGIN
            FOR grantee IN
                SELECT DISTINCT pg_get_userbyid(a.grantee)
                  FROM pg_class c, aclexplode(c.relacl) a
                 WHERE c.relname IN ('raw_record', 'raw_record_purge')
                   AND c.relnamespace = 'public'::regnamespace
                   AND a.privilege_type IN ('UPDATE', 'DELETE')
                   AND a.grantee <> c.relowner AND a.grantee <> 0
            LOOP
                EXECUTE format('REVOKE UPDATE, DELETE ON raw_record, raw_record_purge FROM %I',
                               grantee);
            END LOOP;
        END;
        $$;
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION retention_purge_case(uuid, uuid)")
    op.execute("DROP TRIGGER raw_record_purge_append_only ON raw_record_purge")
    op.execute("DROP FUNCTION raw_record_purge_append_only()")
    op.execute(
        """
        CREATE OR REPLACE FUNCTION raw_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'raw_record is append-only (% refused)', TG_OP;
        END;
        $$;
        """
    )
    op.drop_constraint(op.f("ck_person_known_cpr_status"), "person", type_="check")
    op.drop_constraint(op.f("ck_person_cpr_or_unborn_mother"), "person", type_="check")
    op.create_check_constraint(
        op.f("ck_person_known_cpr_status"),
        "person",
        "cpr_status IN ('pending', 'found', 'not_found')",
    )
    op.create_check_constraint(
        op.f("ck_person_cpr_or_unborn_mother"),
        "person",
        "cpr IS NOT NULL OR unborn_mother_id IS NOT NULL",
    )
    op.drop_index("ix_raw_record_process_instance_key", table_name="raw_record")
    op.drop_index("ix_raw_record_purge_process_instance_key", table_name="raw_record_purge")
    op.drop_table("raw_record_purge")
    op.drop_index("ix_retention_run_case_case_id", table_name="retention_run_case")
    op.drop_index("ix_retention_run_case_run_id", table_name="retention_run_case")
    op.drop_table("retention_run_case")
    op.drop_table("retention_run")
    op.drop_table("retention_rule")
