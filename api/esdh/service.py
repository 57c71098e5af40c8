"""The ESDH outbox's state: claiming due documents, recording each step, and showing it.

Status per document: `pending` (to be filed), `filed` (in the ESDH, to be indexed), `indexed`
(done), `failed` (a step failed `fail_after` times in a row; it is still retried, with the last
error kept and shown), `withdrawn` (to be taken out of the index) and `removed`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from api.cases.tables import case, person
from api.esdh.tables import esdh_document
from api.org.tables import municipality

DONE = ("indexed", "removed")
STATUS_LABELS = {
    "pending": "Afventer journalisering",
    "filed": "Journaliseret, afventer indeks",
    "indexed": "Journaliseret og indekseret",
    "failed": "Fejlet, forsøges igen",
    "withdrawn": "Trukket tilbage, fjernes fra indeks",
    "removed": "Fjernet fra indeks",
}


@dataclass(frozen=True)
class CaseFacts:
    """What the ESDH metadata needs from the case store."""

    case_number: str
    kle_subject: str
    municipality: str
    municipality_cvr: str | None
    child_cpr: str | None


def claim_due(conn: Connection, *, now: datetime, lease: timedelta, limit: int) -> list[Any]:
    """Due documents, each leased for `lease` so that another relay skips it meanwhile; a relay
    that dies mid-way leaves the lease to run out and the document is taken up again."""
    rows = conn.execute(
        text(
            "UPDATE esdh_document SET next_attempt_at = :until WHERE id IN ("
            " SELECT id FROM esdh_document"
            " WHERE status NOT IN ('indexed', 'removed') AND next_attempt_at <= :now"
            " ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED)"
            " RETURNING *"
        ),
        {"now": now, "until": now + lease, "limit": limit},
    ).fetchall()
    return sorted(rows, key=lambda r: r.created_at)


def case_facts(conn: Connection, case_id: uuid.UUID) -> CaseFacts:
    row = conn.execute(
        select(
            case.c.case_number,
            case.c.kle_subject,
            municipality.c.name,
            municipality.c.cvr,
            person.c.cpr,
        )
        .join(municipality, municipality.c.id == case.c.municipality_id)
        .join(person, person.c.id == case.c.child_id)
        .where(case.c.id == case_id)
    ).one()
    return CaseFacts(row.case_number, row.kle_subject, row.name, row.cvr, row.cpr)


def journal_of_case(conn: Connection, case_id: uuid.UUID, including: uuid.UUID) -> list[Any]:
    """The case's filed documents still on it, with `including`, oldest first: the journal the
    index gets with every import, so it stays whole."""
    return list(
        conn.execute(
            select(esdh_document.c.id, esdh_document.c.title)
            .where(
                esdh_document.c.case_id == case_id,
                esdh_document.c.withdrawn_at.is_(None),
                esdh_document.c.filed_at.is_not(None) | (esdh_document.c.id == including),
            )
            .order_by(esdh_document.c.created_at, esdh_document.c.id)
        ).fetchall()
    )


def _done(conn: Connection, doc_id: uuid.UUID, status: str, **values: Any) -> None:
    conn.execute(
        update(esdh_document)
        .where(esdh_document.c.id == doc_id)
        .values(status=status, attempts=0, last_error=None, next_attempt_at=func.now(), **values)
    )


def mark_filed(conn: Connection, doc_id: uuid.UUID, distribution_id: uuid.UUID | None) -> None:
    _done(conn, doc_id, "filed", filed_at=func.now(), distribution_id=distribution_id)


def mark_indexed(conn: Connection, doc_id: uuid.UUID) -> None:
    _done(conn, doc_id, "indexed", indexed_at=func.now())


def mark_removed(conn: Connection, doc_id: uuid.UUID) -> None:
    _done(conn, doc_id, "removed", removed_at=func.now())


def mark_failed(
    conn: Connection,
    doc_id: uuid.UUID,
    error: str,
    *,
    now: datetime,
    fail_after: int,
    max_backoff: timedelta,
) -> tuple[str, int]:
    """One more failed attempt: retried after 2, 4, 8 ... seconds up to `max_backoff`; the status
    is `failed` from the `fail_after`-th attempt in a row on. Returns (status, attempts)."""
    row = conn.execute(
        text(
            "UPDATE esdh_document SET attempts = attempts + 1, last_error = :error,"
            " status = CASE WHEN attempts + 1 >= :fail_after THEN 'failed'"
            "  WHEN withdrawn_at IS NOT NULL THEN 'withdrawn'"
            "  WHEN filed_at IS NOT NULL THEN 'filed' ELSE 'pending' END"
            " WHERE id = :id RETURNING status, attempts"
        ),
        {"error": error[:500], "fail_after": fail_after, "id": doc_id},
    ).one()
    delay = min(timedelta(seconds=2 ** min(int(row.attempts), 16)), max_backoff)
    conn.execute(
        update(esdh_document)
        .where(esdh_document.c.id == doc_id)
        .values(next_attempt_at=now + delay)
    )
    return str(row.status), int(row.attempts)


def esdh_of_case(conn: Connection, case_id: uuid.UUID) -> list[dict[str, Any]]:
    """Each document's ESDH status for the case page, oldest first."""
    rows = conn.execute(
        select(esdh_document)
        .where(esdh_document.c.case_id == case_id)
        .order_by(esdh_document.c.created_at, esdh_document.c.id)
    )
    return [
        {
            "document_id": str(r.id),
            "source": r.source,
            "source_key": r.source_key,
            "kind": r.kind,
            "title": r.title,
            "dated": r.dated,
            "status": r.status,
            "status_label": STATUS_LABELS.get(r.status, r.status),
            "attempts": r.attempts,
            "last_error": r.last_error,
            "filed_at": r.filed_at,
            "indexed_at": r.indexed_at,
            "removed_at": r.removed_at,
        }
        for r in rows
    ]


def esdh_health(engine: Engine) -> dict[str, Any]:
    """For operators: documents per status and the oldest one waiting; no personal data."""
    try:
        with engine.connect() as conn:
            counts: dict[str, int] = dict(
                conn.execute(
                    select(esdh_document.c.status, func.count()).group_by(esdh_document.c.status)
                ).all()
            )
            oldest = conn.execute(
                select(func.min(esdh_document.c.created_at)).where(
                    esdh_document.c.status.not_in(DONE)
                )
            ).scalar()
    except SQLAlchemyError as exc:
        return {"status": "UNKNOWN", "error": type(exc).__name__}
    waiting = sum(n for status, n in counts.items() if status not in DONE)
    return {
        "status": "FAILING" if counts.get("failed") else "OK",
        "documents": {status: counts.get(status, 0) for status in STATUS_LABELS},
        "waiting": waiting,
        "oldestWaitingSince": oldest.isoformat() if oldest else None,
    }
