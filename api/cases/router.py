"""GET /api/cases/{id}."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, status

from api.cases.service import case_view, get_case
from api.deps import Uow

router = APIRouter(prefix="/api/cases", tags=["sager"])


@router.get("/{case_id}")
def read_case(case_id: uuid.UUID, uow: Uow) -> dict[str, Any]:
    """The case page's data. Outside the caller's scope the answer is 404, as for no case."""
    row = get_case(uow.conn, uow.principal, case_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Sagen findes ikke")
    uow.touch([row.id])
    view = case_view(uow.conn, row)
    uow.commit()
    return view
