"""POST /api/underretninger: receive a report of concern."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import Uow, require_roles
from api.processes.service import wait_for_instance
from api.underretninger.schemas import UnderretningCreated, UnderretningIn
from api.underretninger.service import receive

router = APIRouter(prefix="/api/underretninger", tags=["underretninger"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=UnderretningCreated)
def create_underretning(data: UnderretningIn, uow: Uow) -> UnderretningCreated:
    """Receive an underretning: case and report are written with the queued engine start."""
    require_roles(uow, "caseworker", "team_leader")
    received = receive(uow.conn, uow.principal, data)
    uow.touch([received.case_id])
    uow.commit(status.HTTP_201_CREATED)
    # The outbox relay starts the instance within moments when the broker is up.
    key = wait_for_instance(uow.conn, "underretningId", str(received.underretning_id), 3.0)
    return UnderretningCreated(
        case_id=received.case_id,
        underretning_id=received.underretning_id,
        process_instance_key=str(key) if key else None,
    )
