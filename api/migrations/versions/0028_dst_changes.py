"""dst changes: change (AENDRING) events for Danmarks Statistik, several per subject; the stored
file of an answered delivery dropped (its hash and size kept)

- statistics_event.change_key: '' for a start or an end (still once per subject and event); a
  change carries a key of its own, so several distinct changes can exist for one subject while
  a retried job notes each once. statistics_event.legal_basis: the legal basis in effect from a
  start or a change, so a file built later reports what held on the event's date.
- dst_delivery.content is kept only while the delivery waits for DST's answer (it is sent again
  with the same bytes); once accepted or rejected it is dropped, and its sha256 and size stay
  for the audit trail. Existing answered deliveries lose their content here.

Revision ID: 0028_dst_changes
Revises: 0028_deadline_history
Create Date: 2026-12-05 22:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_dst_changes"
down_revision = "0028_deadline_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "statistics_event",
        sa.Column("change_key", sa.Text(), server_default="", nullable=False),
    )
    op.add_column("statistics_event", sa.Column("legal_basis", sa.Text(), nullable=True))
    op.execute(
        "UPDATE statistics_event SET legal_basis = code"
        " WHERE event = 'start' AND subject IN ('indsats', 'anbringelse') AND code <> ''"
    )
    op.drop_constraint("uq_statistics_event_subject_id", "statistics_event", type_="unique")
    op.create_unique_constraint(
        "uq_statistics_event_subject_id",
        "statistics_event",
        ["subject_id", "subject", "event", "change_key"],
    )
    op.create_check_constraint(
        "ck_statistics_event_keyed_change",
        "statistics_event",
        "(event = 'change') = (change_key <> '')",
    )

    op.add_column("dst_delivery", sa.Column("content_sha256", sa.Text(), nullable=True))
    op.add_column("dst_delivery", sa.Column("content_size", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE dst_delivery SET content_sha256 = encode(sha256(content), 'hex'),"
        " content_size = length(content)"
    )
    op.alter_column("dst_delivery", "content_sha256", nullable=False)
    op.alter_column("dst_delivery", "content_size", nullable=False)
    op.alter_column("dst_delivery", "content", nullable=True)
    op.execute("UPDATE dst_delivery SET content = NULL WHERE status <> 'sent'")
    op.create_check_constraint(
        "ck_dst_delivery_content_while_sent",
        "dst_delivery",
        "(status = 'sent') = (content IS NOT NULL)",
    )


def downgrade() -> None:
    op.drop_constraint("ck_dst_delivery_content_while_sent", "dst_delivery", type_="check")
    op.execute("UPDATE dst_delivery SET content = ''::bytea WHERE content IS NULL")
    op.alter_column("dst_delivery", "content", nullable=False)
    op.drop_column("dst_delivery", "content_size")
    op.drop_column("dst_delivery", "content_sha256")
    op.drop_constraint("ck_statistics_event_keyed_change", "statistics_event", type_="check")
    op.execute(
        "DELETE FROM dst_delivery_event WHERE event_id IN"
        " (SELECT id FROM statistics_event WHERE event = 'change')"
    )
    op.execute("DELETE FROM statistics_event WHERE event = 'change'")
    op.drop_constraint("uq_statistics_event_subject_id", "statistics_event", type_="unique")
    op.create_unique_constraint(
        "uq_statistics_event_subject_id", "statistics_event", ["subject_id", "subject", "event"]
    )
    op.drop_column("statistics_event", "legal_basis")
    op.drop_column("statistics_event", "change_key")
