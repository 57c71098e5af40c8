"""Grants on a case (GET /api/cases/{id}/grants), a change of a grant's price or dates
(POST /api/grants/{id}/revisions), and a payment run for a period (POST /api/payments/runs)."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.cases.service import get_case
from api.cases.workflow import queue_message
from api.deps import Uow, require_roles
from api.finance import grants, views
from api.finance.tables import grant_award

router = APIRouter(prefix="/api", tags=["bevillinger"])
PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
RUN_MESSAGE = "udbetaling-koer"


def _case(uow: Any, case_id: uuid.UUID) -> Any:
    row = get_case(uow.conn, uow.principal, case_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Sagen findes ikke")
    uow.touch([row.id])
    return row


@router.get("/cases/{case_id}/grants")
def case_grants(case_id: uuid.UUID, uow: Uow) -> list[dict[str, Any]]:
    """The case's grants: kontostreng, revisions, projection (now and before the latest
    change), and payments with what the finance system booked."""
    row = _case(uow, case_id)
    view = views.grants_view(uow.conn, row.id)
    uow.commit()
    return view


class RevisionIn(BaseModel):
    effective_from: date
    reason: str = Field(min_length=1, max_length=2000)
    price: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    unit: str | None = None
    expected_end: date | None = None


@router.post("/grants/{grant_id}/revisions", status_code=status.HTTP_201_CREATED)
def revise_grant(grant_id: uuid.UUID, data: RevisionIn, uow: Uow) -> dict[str, Any]:
    """A new price, unit or expected end from a day on; earlier revisions are kept."""
    require_roles(uow, "caseworker", "team_leader")
    case_id = uow.conn.execute(
        select(grant_award.c.case_id).where(grant_award.c.id == grant_id)
    ).scalar()
    # A grant on a case outside the caller's scope is answered as one that does not exist.
    if case_id is None or get_case(uow.conn, uow.principal, case_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Bevillingen findes ikke")
    uow.touch([case_id])
    try:
        number = grants.revise(
            uow.conn,
            grant_id,
            effective_from=data.effective_from,
            reason=data.reason,
            user_id=uow.principal.user_id,
            price=data.price,
            unit=data.unit,
            expected_end=data.expected_end,
        )
    except grants.GrantInvalid as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            detail={"message": str(exc), "problems": exc.problems},
        ) from None
    uow.commit(status.HTTP_201_CREATED)
    return {"grant_id": str(grant_id), "revision": number}


class RunIn(BaseModel):
    period: str


@router.post("/payments/runs", status_code=status.HTTP_202_ACCEPTED)
def start_run(data: RunIn, uow: Uow) -> dict[str, str]:
    """Pay the municipality's active grants for a period (YYYY-MM) now, beside the monthly
    timer; a period already paid pays nothing twice."""
    require_roles(uow, "finance", "team_leader")
    if not PERIOD.fullmatch(data.period):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY, detail="Perioden skal angives som åååå-mm"
        )
    municipality_id = uow.principal.municipality_id
    run_id = uuid.uuid4()
    # A key of the run's own: Zeebe starts no second instance from a message start event while
    # one started by the same correlation key is active, and a run stays active while a payment
    # of it waits for a leader's approval; a shared key would hold back every later run.
    queue_message(
        uow.conn,
        name=RUN_MESSAGE,
        correlation_key=f"{municipality_id}-{data.period}-{run_id}",
        message_id=f"udbetaling-{municipality_id}-{data.period}-{run_id}",
        variables={"period": data.period, "municipalityId": municipality_id},
    )
    uow.commit(status.HTTP_202_ACCEPTED)
    return {"period": data.period, "municipality_id": municipality_id}
