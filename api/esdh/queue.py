"""Putting documents on the ESDH outbox.

- A letter and a journal note are queued in the transaction that records them, so neither is ever
  lost nor queued twice (unique per source and key).
- A submitted form is found by a scan instead. The tasks API commits the document as submitted
  before the engine completes the task, and turns it back into a draft if the engine refuses; so
  the only fact that makes a form final is its user task completed in the read model. The scan
  queues exactly those, also when the API died between the engine's answer and its commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, String, and_, cast, exists, select, update
from sqlalchemy.dialects.postgresql import insert

from api.calendar.working_days import COPENHAGEN
from api.cases.case_file import form_fields, form_title, local_time
from api.cases.tables import form_document
from api.esdh.tables import esdh_document, journal_note
from api.projector import tables as rm

# Document ids derive from the source, so the same document always has the same id.
_NAMESPACE = uuid.UUID("0d6b0c3e-5e1a-4b8e-9a51-e5d4000e5d40")
DECISION_FORMS = frozenset({"afgoerelse", "aktindsigt_afgoerelse"})
LETTER_TITLES = {
    "afgoerelse": "Afgørelse",
    "kvittering": "Kvittering for underretning",
    "orientering": "Orientering af underretter",
    "partshoering": "Partshøring",
    "klagepakke": "Klagesag til Ankestyrelsen",
    "statusudtalelse": "Anmodning om statusudtalelse",
    "statusudtalelse-rykker": "Rykker for statusudtalelse",
    "flytning": "Sagsoversendelse ved flytning",
    "fristbrev": "Fristbrev om aktindsigt",
    "aktindsigt": "Afgørelse om aktindsigt",
}


def document_id(source: str, source_key: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{source}:{source_key}")


def queue_document(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    source: str,
    source_key: str,
    kind: str,
    title: str,
    dated: date,
    fields: Sequence[tuple[str, str]],
) -> uuid.UUID:
    """Queue once per source and key; a repeat (a retried job) changes nothing."""
    doc_id = document_id(source, source_key)
    conn.execute(
        insert(esdh_document)
        .values(
            id=doc_id,
            case_id=case_id,
            source=source,
            source_key=source_key,
            kind=kind,
            title=title[:255],
            dated=dated,
            fields=[[label, text] for label, text in fields],
        )
        .on_conflict_do_nothing(index_elements=["source", "source_key"])
    )
    return doc_id


def queue_letter(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    kind: str,
    subject: str,
    body: str,
    idempotency_key: str,
    delivered_at: datetime,
    attachments: Sequence[str] = (),
) -> uuid.UUID:
    """A sent letter, as sent: subject, text, delivery time and the names of its attachments."""
    fields = [("Emne", subject), ("Brev", body), ("Afsendt", local_time(delivered_at))]
    if attachments:
        fields.append(("Bilag", ", ".join(attachments)))
    return queue_document(
        conn,
        case_id=case_id,
        source="letter",
        source_key=idempotency_key,
        kind="brev",
        title=subject or LETTER_TITLES.get(kind, "Brev"),
        dated=delivered_at.astimezone(COPENHAGEN).date(),
        fields=fields,
    )


def write_journal_note(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    title: str,
    text: str,
    noted_on: date,
    user_id: uuid.UUID,
) -> uuid.UUID:
    """The note and its place on the ESDH outbox, in one transaction."""
    note_id = uuid.uuid4()
    conn.execute(
        journal_note.insert().values(
            id=note_id,
            case_id=case_id,
            title=title,
            text=text,
            noted_on=noted_on,
            written_by=user_id,
        )
    )
    queue_document(
        conn,
        case_id=case_id,
        source="journal_note",
        source_key=str(note_id),
        kind="journalnotat",
        title=title,
        dated=noted_on,
        fields=[("Notat", text)],
    )
    return note_id


def queue_submitted_forms(conn: Connection, *, limit: int = 100) -> int:
    """Queue submitted forms whose user task the engine has completed; the number queued."""
    key = cast(form_document.c.user_task_key, String)
    queued = exists().where(
        and_(esdh_document.c.source == "form_document", esdh_document.c.source_key == key)
    )
    rows = conn.execute(
        select(form_document, rm.form.c.schema)
        .join(rm.user_task, rm.user_task.c.user_task_key == form_document.c.user_task_key)
        .outerjoin(rm.form, rm.form.c.form_key == form_document.c.form_key)
        .where(
            form_document.c.status == "submitted",
            rm.user_task.c.state == "COMPLETED",
            ~queued,
        )
        .order_by(form_document.c.saved_at)
        .limit(limit)
    ).fetchall()
    for row in rows:
        schema: dict[str, Any] = dict(row.schema or {})
        queue_document(
            conn,
            case_id=row.case_id,
            source="form_document",
            source_key=str(row.user_task_key),
            kind="afgoerelse" if row.form_id in DECISION_FORMS else "ics",
            title=form_title(schema, row.form_id),
            dated=row.saved_at.astimezone(COPENHAGEN).date(),
            fields=form_fields(schema, dict(row.data)),
        )
    return len(rows)


def withdraw(conn: Connection, *, source: str, source_key: str) -> bool:
    """The document is withdrawn from the case: it is taken out of the index (SF1470 fjern).
    False if it was never queued or is already removed."""
    result = conn.execute(
        update(esdh_document)
        .where(
            esdh_document.c.source == source,
            esdh_document.c.source_key == source_key,
            esdh_document.c.withdrawn_at.is_(None),
        )
        .values(
            withdrawn_at=datetime.now(COPENHAGEN),
            status="withdrawn",
            attempts=0,
            last_error=None,
            next_attempt_at=datetime.now(COPENHAGEN),
        )
    )
    return result.rowcount > 0
