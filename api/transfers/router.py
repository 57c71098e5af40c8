"""GET /api/cases/{id}/transfers: the packages sent from a case through SF2900 (with SF2900's
reason when it refused one) and the package a case came from, with its documents."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import Connection

from api.cases.service import get_case
from api.deps import Uow
from api.transfers.receiving import transfers_view
from api.transfers.sending import read_only_since

router = APIRouter(prefix="/api/cases", tags=["sager"])


@router.get("/{case_id}/transfers")
def case_transfers(case_id: uuid.UUID, uow: Uow) -> dict[str, Any]:
    row = get_case(uow.conn, uow.principal, case_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Sagen findes ikke")
    uow.touch([row.id])
    view = transfers_view(uow.conn, row.id)
    uow.commit()
    return view


def refuse_after_handover(conn: Connection, case_id: uuid.UUID, today: date) -> None:
    """A case handed over to another municipality is read-only here from the handover date."""
    since = read_only_since(conn, case_id)
    if since is not None and since <= today:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"Sagen er overdraget til en anden kommune den {since.isoformat()} "
            "og kan kun læses",
        )
