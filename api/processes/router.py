"""GET /api/processes/instances/{key}: an instance as the read model shows it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from api.cases.tables import case
from api.deps import Uow
from api.processes.service import case_of_instance, instance_detail

router = APIRouter(prefix="/api/processes", tags=["processer"])

NOT_FOUND = "Procesinstansen findes ikke"


@router.get("/instances/{key}")
def read_instance(key: int, uow: Uow) -> dict[str, Any]:
    """Operators and analysts see every instance of their municipality's cases under their KLE
    constraint (ids and states only, no personal data); case roles see the instances of cases
    in their scope. Anything else is 404, as for no instance."""
    detail = instance_detail(uow.conn, key)
    case_id = case_of_instance(uow.conn, key) if detail else None
    if detail is None or case_id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND)
    visible = uow.conn.execute(
        select(case.c.id).where(case.c.id == case_id, uow.principal.technical_scope())
    ).first()
    if visible is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND)
    uow.touch([case_id])
    uow.commit()
    return {**detail, "case_id": str(case_id)}
