"""Operators' view of the reporting to Danmarks Statistik (D27): the deliveries with their
status and DST's reasons, and a run requested now instead of waiting for the night."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status

from api.cases.workflow import queue_message
from api.deps import Uow, require_roles
from api.dst.delivery import deliveries_view

router = APIRouter(prefix="/api/dst", tags=["danmarks statistik"])

START_MESSAGE = "dst-levering-start"


@router.get("/leveringer")
def list_deliveries(uow: Uow) -> list[dict[str, Any]]:
    """The latest deliveries of the caller's municipality, newest first: status (sent,
    accepted, rejected), DST's reason, how many events, and the sha256 and size of the file
    sent (the file itself is dropped once DST answers). No personal data."""
    require_roles(uow, "operator")
    found = deliveries_view(uow.conn, uow.principal.municipality_id)
    uow.commit()
    return found


@router.post("/koersler", status_code=status.HTTP_202_ACCEPTED)
def request_run(uow: Uow) -> dict[str, str]:
    """Start a run now (the same process as the nightly one); it sends what is new."""
    require_roles(uow, "operator")
    run_id = uuid.uuid4().hex
    queue_message(
        uow.conn,
        name=START_MESSAGE,
        correlation_key=f"dst-{run_id}",
        message_id=f"dst-levering-{run_id}",
        variables={},
    )
    uow.commit(status.HTTP_202_ACCEPTED)
    return {"run": run_id}
