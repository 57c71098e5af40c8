"""POST /api/cases/{id}/journal-notes: a journalnotat on the case, journalised in the ESDH."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from api.calendar.working_days import danish_today
from api.cases.service import get_case
from api.deps import Uow, require_roles
from api.esdh.queue import write_journal_note
from api.textcheck import XmlText
from api.transfers.router import refuse_after_handover

router = APIRouter(prefix="/api/cases", tags=["sager"])
EARLIEST_NOTE = date(1900, 1, 1)


class JournalNoteIn(BaseModel):
    # Journalised through SF2900 and SF1470: text XML can carry, and a date their xs:date takes
    # (a year before 1000 is written without its leading zeros and breaks the XSD).
    title: XmlText = Field(min_length=1, max_length=255)
    text: XmlText = Field(min_length=1, max_length=20_000)
    noted_on: date | None = Field(default=None, ge=EARLIEST_NOTE)


@router.post("/{case_id}/journal-notes", status_code=status.HTTP_201_CREATED)
def write_case_journal_note(case_id: uuid.UUID, data: JournalNoteIn, uow: Uow) -> dict[str, str]:
    """Note something on the case; the note and its journalising are one transaction."""
    require_roles(uow, "caseworker", "team_leader")
    row = get_case(uow.conn, uow.principal, case_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Sagen findes ikke")
    uow.touch([row.id])
    refuse_after_handover(uow.conn, row.id, danish_today())
    note_id = write_journal_note(
        uow.conn,
        case_id=row.id,
        title=data.title.strip(),
        text=data.text,
        noted_on=data.noted_on or danish_today(),
        user_id=uow.principal.user_id,
    )
    uow.commit(status.HTTP_201_CREATED)
    return {"id": str(note_id)}
