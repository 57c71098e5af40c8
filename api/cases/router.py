"""GET /api/cases/{id}."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, field_validator

from api.cases.decisions import register_appeal
from api.cases.service import case_view, get_case
from api.cases.workflow import queue_message
from api.deps import Uow, require_roles
from api.processes.service import case_of_instance, instance_detail

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


class AppealIn(BaseModel):
    decision_instance_key: str
    received_at: datetime

    @field_validator("received_at")
    @classmethod
    def aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("tidspunktet skal have en tidszone / must carry a time zone")
        return value


@router.post("/{case_id}/appeals", status_code=status.HTTP_201_CREATED)
def register_case_appeal(case_id: uuid.UUID, data: AppealIn, uow: Uow) -> dict[str, str]:
    """Register a klage over a decision of the case; the decision process takes it from there."""
    require_roles(uow, "caseworker", "team_leader")
    row = get_case(uow.conn, uow.principal, case_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Sagen findes ikke")
    uow.touch([row.id])
    key = int(data.decision_instance_key) if data.decision_instance_key.isdigit() else -1
    detail = instance_detail(uow.conn, key) if key > 0 else None
    if (
        detail is None
        or detail["bpmn_process_id"] != "afgoerelse"
        or case_of_instance(uow.conn, key) != row.id
    ):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            detail="Der findes ingen afgørelse med det nummer på sagen",
        )
    appeal_id, reassess_by = register_appeal(
        uow.conn,
        case_id=row.id,
        decision_key=key,
        received_at=data.received_at,
        user_id=uow.principal.user_id,
    )
    queue_message(
        uow.conn,
        name="klage-modtaget",
        correlation_key=str(key),
        message_id=f"klage-{appeal_id}",
        variables={"appealId": str(appeal_id), "d17DueAt": reassess_by.isoformat()},
    )
    uow.commit(status.HTTP_201_CREATED)
    return {"appeal_id": str(appeal_id), "reassess_by": reassess_by.isoformat()}
