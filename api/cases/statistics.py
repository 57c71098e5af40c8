"""Events Danmarks Statistik is to receive (BEK 1295/2023), noted where they happen in the
case store: an indsats or anbringelse starting, changing what DST is told about it, or ending,
a case closing. The reporting (api/dst) sends them; nobody types statistics.

A start or an end is noted once per subject. A change names its key (what changed and the step
that changed it), so a subject can have several changes and a retried job notes each once."""

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
    change_key: str = "",
    legal_basis: str | None = None,
) -> bool:
    """Once per subject and event (and change key): a retried job notes nothing twice. A
    change needs its key, a start or an end has none. True when the event is new."""
    if (event == "change") != bool(change_key):
        raise ValueError("a change event needs a change key, a start or an end none")
    result = conn.execute(
        insert(statistics_event)
        .values(
            id=uuid.uuid4(),
            case_id=case_id,
            subject=subject,
            subject_id=subject_id or case_id,
            event=event,
            occurred_on=occurred_on,
            code=code,
            change_key=change_key,
            legal_basis=legal_basis,
        )
        .on_conflict_do_nothing(index_elements=["subject_id", "subject", "event", "change_key"])
    )
    return bool(result.rowcount)


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
