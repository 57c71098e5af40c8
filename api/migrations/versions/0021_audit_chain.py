"""audit chain: audit_event rows hash-chained per case (audit_chain, audit_chain_head), append-only

Revision ID: 0021_audit_chain
Revises: 0020_sso
Create Date: 2026-12-05 18:50:00.000000

Every audit_event row is appended by an AFTER INSERT trigger to the chain of each case it names
(else its municipality's, else `global`), under a transaction-scoped advisory lock on that chain
only, so appends to different cases never wait for each other. The serialisation is the one in
api/audit/chain.py, which the verification recomputes. Existing rows are chained here, in id
order. audit_event and audit_chain refuse UPDATE, DELETE and TRUNCATE by trigger, whoever asks
(as raw_record does since 0002), and every role but the owner loses those privileges on them and
any write privilege on the chain tables: the app role can only append audit rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_audit_chain"
down_revision = "0020_sso"
branch_labels = None
depends_on = None

# The two-key advisory lock on a chain: 1096107092 (0x41554454, "AUDT") and hashtext(chain key),
# so it never meets another lock of the application.
FUNCTIONS = r"""
CREATE FUNCTION audit_enc(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN v IS NULL THEN '~'
                ELSE octet_length(convert_to(v, 'UTF8'))::text || ':' || v END
$$;

CREATE FUNCTION audit_enc_list(a text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN a IS NULL THEN '~'
                ELSE '[' || cardinality(a)::text || ']' || coalesce(
                    (SELECT string_agg(audit_enc(x), '' ORDER BY i)
                       FROM unnest(a) WITH ORDINALITY AS u(x, i)), '') END
$$;

CREATE FUNCTION audit_event_canonical(e audit_event) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT 'audit_event v1' || E'\n'
        || 'id=' || audit_enc(e.id::text) || E'\n'
        || 'at=' || audit_enc(to_char(e.at AT TIME ZONE 'UTC',
                                      'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) || E'\n'
        || 'user_id=' || audit_enc(e.user_id::text) || E'\n'
        || 'username=' || audit_enc(e.username) || E'\n'
        || 'roles=' || audit_enc_list(e.roles) || E'\n'
        || 'municipality_id=' || audit_enc(e.municipality_id) || E'\n'
        || 'action=' || audit_enc(e.action) || E'\n'
        || 'method=' || audit_enc(e.method) || E'\n'
        || 'path=' || audit_enc(e.path) || E'\n'
        || 'status_code=' || audit_enc(e.status_code::text) || E'\n'
        || 'case_ids=' || audit_enc_list(e.case_ids::text[]) || E'\n'
$$;

CREATE FUNCTION audit_chain_keys(case_ids uuid[], municipality_id text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    keys text[];
BEGIN
    keys := ARRAY(SELECT DISTINCT ('case:' || c::text) COLLATE "C" AS k
                    FROM unnest(case_ids) AS c WHERE c IS NOT NULL ORDER BY k);
    IF cardinality(keys) > 0 THEN
        RETURN keys;
    ELSIF municipality_id IS NOT NULL THEN
        RETURN ARRAY['municipality:' || municipality_id];
    END IF;
    RETURN ARRAY['global'];
END
$$;

CREATE FUNCTION audit_chain_append(e audit_event) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    k text;
    n bigint;
    prev text;
    h text;
    body text := audit_event_canonical(e);
BEGIN
    -- Sorted keys, so two rows naming the same cases lock them in the same order.
    FOREACH k IN ARRAY audit_chain_keys(e.case_ids, e.municipality_id) LOOP
        PERFORM pg_advisory_xact_lock(1096107092, hashtext(k));
        -- A statement of its own after the lock: it sees the head the last holder committed.
        SELECT seq, hash INTO n, prev FROM audit_chain_head WHERE chain_key = k;
        IF NOT FOUND THEN
            n := 0;
            prev := repeat('0', 64);
        END IF;
        n := n + 1;
        h := encode(sha256(convert_to(
                'audit_chain v1' || E'\n'
                || 'chain=' || audit_enc(k) || E'\n'
                || 'seq=' || audit_enc(n::text) || E'\n'
                || 'prev=' || audit_enc(prev) || E'\n'
                || body, 'UTF8')), 'hex');
        INSERT INTO audit_chain (chain_key, seq, event_id, prev_hash, hash)
            VALUES (k, n, e.id, prev, h);
        INSERT INTO audit_chain_head (chain_key, seq, hash, event_id) VALUES (k, n, h, e.id)
            ON CONFLICT (chain_key) DO UPDATE
            SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, event_id = EXCLUDED.event_id;
    END LOOP;
END
$$;

-- Runs as the owner: the app role inserts audit rows but cannot write the chain itself.
CREATE FUNCTION audit_event_chain() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM audit_chain_append(NEW);
    RETURN NULL;
END
$$;

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END
$$;

REVOKE EXECUTE ON FUNCTION audit_chain_append(audit_event) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION audit_event_chain() FROM PUBLIC;
"""

TRIGGERS = """
CREATE TRIGGER audit_event_chain AFTER INSERT ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_chain();
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_chain_head_kept BEFORE DELETE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
"""

# Every grantee but the owner (the app role through the owner's default privileges; PUBLIC):
# no UPDATE, DELETE or TRUNCATE of audit rows, no writing of the chain tables at all.
PRIVILEGES = """
DO $$
DECLARE
    g record;
    who text;
BEGIN
    FOR g IN
        SELECT DISTINCT c.relname, a.grantee
          FROM pg_class AS c CROSS JOIN LATERAL aclexplode(c.relacl) AS a
         WHERE c.relnamespace = 'public'::regnamespace
           AND c.relname IN ('audit_event', 'audit_chain', 'audit_chain_head')
           AND a.grantee <> c.relowner
    LOOP
        who := CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE g.grantee::regrole::text END;
        IF g.relname = 'audit_event' THEN
            EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM %s', who);
        ELSE
            EXECUTE format(
                'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %I FROM %s', g.relname, who);
        END IF;
    END LOOP;
END
$$;
"""

BACKFILL = """
DO $$
DECLARE
    e audit_event;
BEGIN
    FOR e IN SELECT * FROM audit_event ORDER BY id LOOP
        PERFORM audit_chain_append(e);
    END LOOP;
END
$$;
"""


def upgrade() -> None:
    op.create_table(
        "audit_chain",
        sa.Column("chain_key", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("prev_hash", sa.Text(), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("chain_key", "seq", name=op.f("pk_audit_chain")),
    )
    op.create_index("ix_audit_chain_event_id", "audit_chain", ["event_id"], unique=False)
    op.create_table(
        "audit_chain_head",
        sa.Column("chain_key", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain_key", name=op.f("pk_audit_chain_head")),
    )
    op.execute(FUNCTIONS)
    op.execute(BACKFILL)
    op.execute(TRIGGERS)
    op.execute(PRIVILEGES)


def downgrade() -> None:
    op.execute(
        """
        DROP TRIGGER audit_event_chain ON audit_event;
        DROP TRIGGER audit_event_append_only ON audit_event;
        DROP TRIGGER audit_event_no_truncate ON audit_event;
        DROP FUNCTION audit_event_chain();
        DROP FUNCTION audit_chain_append(audit_event);
        DROP FUNCTION audit_chain_keys(uuid[], text);
        DROP FUNCTION audit_event_canonical(audit_event);
        DROP FUNCTION audit_enc_list(text[]);
        DROP FUNCTION audit_enc(text);
        """
    )
    op.drop_table("audit_chain_head")
    op.drop_index("ix_audit_chain_event_id", table_name="audit_chain")
    op.drop_table("audit_chain")
    op.execute("DROP FUNCTION audit_append_only()")
    # Back to the owner's default privileges for whoever may insert audit rows.
    op.execute(
        """
        DO $$
        DECLARE
            g record;
        BEGIN
            FOR g IN
                SELECT DISTINCT a.grantee
                  FROM pg_class AS c CROSS JOIN LATERAL aclexplode(c.relacl) AS a
                 WHERE c.oid = 'audit_event'::regclass AND a.grantee <> c.relowner
                   AND a.grantee <> 0 AND a.privilege_type = 'INSERT'
            LOOP
                EXECUTE format('GRANT UPDATE, DELETE ON audit_event TO %s', g.grantee::regrole);
            END LOOP;
        END
        $$;
        """
    )
