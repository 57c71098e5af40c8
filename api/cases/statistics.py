"""Events Danmarks Statistik is to receive (BEK 1295/2023), noted where they happen in the
case store: an indsats or anbringelse starting or ending, a case closing. The reporting issue
sends them; nobody types statistics."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert

from api.cases.tables import statistics_event


def note_event(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    subject: str,
    event: str,
    occurred_on: date,
    code: str = "",
    subject_id: uuid.UUID | None = None,
) -> None:
    """Once per subject and event: a retried job notes nothing twice."""
    conn.execute(
        insert(statistics_event)
        .values(
            id=uuid.uuid4(),
            case_id=case_id,
            subject=subject,
            subject_id=subject_id or case_id,
            event=event,
            occurred_on=occurred_on,
            code=code,
        )
        .on_conflict_do_nothing(index_elements=["subject_id", "subject", "event"])
    )


def events_of_case(conn: Connection, case_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(statistics_event)
        .where(statistics_event.c.case_id == case_id)
        .order_by(statistics_event.c.occurred_on, statistics_event.c.recorded_at)
    )
    return [
        {
            "subject": r.subject,
            "event": r.event,
            "occurred_on": r.occurred_on,
            "code": r.code,
            "delivered_at": r.delivered_at,
        }
        for r in rows
    ]
