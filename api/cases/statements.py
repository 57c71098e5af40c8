"""Statusudtalelser in a BFU: requests to school, daycare and health by Digital Post to the
institution's CVR, reminders while none comes, and the replies the caseworker registers."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects.postgresql import insert

from api.calendar.working_days import COPENHAGEN, end_of_days
from api.cases.tables import letter, statement_request
from api.cases.workflow import latest_submitted

REQUEST_FORM = "statusudtalelser"
INSTITUTIONS = {"school": "skole", "daycare": "dagtilbud", "health": "sundhedspleje"}
REMINDER_INTERVAL = timedelta(days=7)  # D5s: a reminder a week, twice
REMINDERS = 2


def request(
    conn: Connection, *, case_id: uuid.UUID, process_instance_key: int, now: datetime
) -> list[Any]:
    """One request per institution named in the submitted form; a retried job gets the same
    requests back, with the first request time and due date."""
    document = latest_submitted(conn, case_id, REQUEST_FORM)
    if document is None:
        raise LookupError("the case has no submitted statusudtalelser document")
    data = document.data
    due = end_of_days(now, int(data["reply_days"]))
    for kind in INSTITUTIONS:
        cvr = str(data.get(f"{kind}_cvr") or "").strip()
        if not cvr:
            continue
        conn.execute(
            insert(statement_request)
            .values(
                id=uuid.uuid4(),
                case_id=case_id,
                process_instance_key=process_instance_key,
                institution_kind=kind,
                institution_name=str(data.get(f"{kind}_name") or INSTITUTIONS[kind]),
                cvr=cvr,
                questions=str(data["questions"]),
                requested_at=now,
                due_at=due,
            )
            .on_conflict_do_nothing(index_elements=["process_instance_key", "institution_kind"])
        )
    return list(
        conn.execute(
            select(statement_request)
            .where(statement_request.c.process_instance_key == process_instance_key)
            .order_by(statement_request.c.institution_kind)
        )
    )


def give_up_at(due: datetime) -> datetime:
    """After the last reminder has had its week: the request is recorded as unanswered."""
    return due + REMINDER_INTERVAL * REMINDERS


def letter_content(row: Any, reminder: bool) -> tuple[str, str]:
    due = row.due_at.astimezone(COPENHAGEN) - timedelta(days=1)
    subject = ("Rykker: " if reminder else "") + "Anmodning om statusudtalelse"
    body = (
        f"Til {row.institution_name}\n\n"
        + (
            "Vi har endnu ikke modtaget jeres statusudtalelse. "
            if reminder
            else "Kommunen er i gang med en børnefaglig undersøgelse (barnets lov § 20) "
            "og beder om jeres statusudtalelse om barnet. "
        )
        + f"Svar venligst senest {due:%d.%m.%Y} via Digital Post med sagens reference "
        f"{row.id}.\n\nVi beder jer særligt beskrive:\n{row.questions}\n"
    )
    return subject, body


def get(conn: Connection, request_id: uuid.UUID) -> Any:
    return conn.execute(select(statement_request).where(statement_request.c.id == request_id)).one()


def count_reminders(conn: Connection, request_id: uuid.UUID) -> int:
    """Reminders sent, counted from the letters themselves, so a retried job never counts two."""
    sent = conn.execute(
        select(func.count()).where(
            letter.c.kind == "statusudtalelse-rykker",
            letter.c.idempotency_key.like(f"statusudtalelse-rykker-{request_id}-%"),
        )
    ).scalar_one()
    conn.execute(
        update(statement_request)
        .where(statement_request.c.id == request_id)
        .values(reminders_sent=sent)
    )
    return int(sent)


def mark_unanswered(conn: Connection, request_id: uuid.UUID) -> None:
    conn.execute(
        update(statement_request)
        .where(statement_request.c.id == request_id, statement_request.c.status == "requested")
        .values(status="unanswered")
    )


def register_reply(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    request_id: uuid.UUID,
    received_at: datetime,
    reply: str,
    user_id: uuid.UUID,
) -> str | None:
    """Keep the institution's reply. None when the case has no such request; 'answered' when
    it is registered now; 'already' when a reply was registered before (nothing changes). A
    late reply, after the request was given up, is still kept."""
    row = conn.execute(
        select(statement_request.c.status)
        .where(statement_request.c.id == request_id, statement_request.c.case_id == case_id)
        .with_for_update()
    ).first()
    if row is None:
        return None
    if row.status == "answered":
        return "already"
    conn.execute(
        update(statement_request)
        .where(statement_request.c.id == request_id)
        .values(
            status="answered",
            replied_at=received_at,
            reply=reply,
            registered_by=user_id,
        )
    )
    return "answered"


def statements_view(conn: Connection, case_id: uuid.UUID, now: datetime) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(statement_request)
        .where(statement_request.c.case_id == case_id)
        .order_by(statement_request.c.requested_at, statement_request.c.institution_kind)
    )
    return [
        {
            "id": str(r.id),
            "institution_kind": r.institution_kind,
            "institution_name": r.institution_name,
            "requested_at": r.requested_at,
            "due_at": r.due_at,
            "overdue": r.status == "requested" and r.due_at < now,
            "reminders_sent": r.reminders_sent,
            "status": r.status,
            "replied_at": r.replied_at,
        }
        for r in rows
    ]
