"""Flytning (BL § 132): when CPR reports that a child's family has moved to another
municipality, the case goes there: a summary, the case material and the handover (D25).

Until the CPR event feed arrives (the integrations issue), `queue_move` is the one entry point:
the event handler, and the tests, queue the start message through the outbox with it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from api.cases import case_file
from api.cases.decisions import end_running, latest_document
from api.cases.statistics import note_event
from api.cases.tables import case
from api.cases.workflow import queue_message
from api.documents.pdf import CaseFile
from api.org.tables import municipality

HANDOVER = timedelta(days=7)  # D25: at once; in practice within a week
MOVED = "flyttet"
"""The DST end reason (ophørsårsag) of a measure ended because the child moved away."""


def queue_move(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    variables: dict[str, Any],
    new_municipality: str,
    moved_on: date,
    event_id: str,
) -> None:
    """Start the flytning process for a case; the CPR event's id keeps it idempotent."""
    queue_message(
        conn,
        name="flytning-start",
        correlation_key=str(case_id),
        message_id=f"flytning-{event_id}",
        variables={
            **variables,
            "newMunicipalityId": new_municipality,
            "movedOn": moved_on.isoformat(),
        },
    )


def handover_due(received: datetime) -> datetime:
    return received + HANDOVER


class UnknownMunicipality(Exception):
    """The new municipality has no CVR number here to send the case to."""


def receiving_cvr(conn: Connection, municipality_id: str) -> str:
    cvr = conn.execute(
        select(municipality.c.cvr).where(municipality.c.id == municipality_id)
    ).scalar()
    if not cvr:
        raise UnknownMunicipality(municipality_id)
    return str(cvr)


def transfer_file(conn: Connection, case_id: uuid.UUID, now: datetime) -> CaseFile:
    """The summary first, then every document of the case, oldest first (unredacted: the new
    municipality takes over the case, BL § 132)."""
    head = conn.execute(
        select(case.c.case_number, municipality.c.name)
        .join(municipality, municipality.c.id == case.c.municipality_id)
        .where(case.c.id == case_id)
    ).one()
    summary = latest_document(conn, case_id, "flytning_resume")
    return CaseFile(
        case_number=head.case_number,
        heading="Sag overdraget ved flytning (barnets lov § 132)",
        footer=f"Overdragelse {head.case_number}",
        cover=[
            ("Sagsnummer", head.case_number),
            ("Fra", head.name),
            ("Resumé", str(summary["summary"])),
            ("Åbne afgørelser og indsatser", str(summary.get("open_decisions") or "Ingen")),
        ],
        documents=[case_file.unredacted(s) for s in case_file.sources(conn, case_id)],
        generated_at=now,
    )


def transfer(conn: Connection, case_id: uuid.UUID, today: date, handed_over_on: date) -> int:
    """The case is handed over: it closes here, its running indsatser and anbringelser end on
    the handover date, and the ends are noted for DST. The number of measures ended."""
    conn.execute(update(case).where(case.c.id == case_id).values(status="transferred"))
    note_event(conn, case_id=case_id, subject="sag", event="end", occurred_on=today, code=MOVED)
    return end_measures(conn, case_id, handed_over_on)


def end_measures(conn: Connection, case_id: uuid.UUID, on: date) -> int:
    """This municipality is no longer handlekommune from the handover: every running indsats
    and anbringelse ends on that date, noted for DST with the reason `flyttet`."""
    return end_running(conn, case_id, on, reason=MOVED)
