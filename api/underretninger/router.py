"""POST /api/underretninger: receive a report of concern."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from api.classification.service import ClassificationMissing
from api.deps import SettingsDep, Uow, require_roles
from api.processes.service import wait_for_instance
from api.underretninger.schemas import UnderretningCreated, UnderretningIn
from api.underretninger.service import receive

router = APIRouter(prefix="/api/underretninger", tags=["underretninger"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=UnderretningCreated)
def create_underretning(
    data: UnderretningIn, uow: Uow, settings: SettingsDep
) -> UnderretningCreated:
    """Receive an underretning: case and report are written with the queued engine start.
    403 when the caller's KLE constraint does not cover the intake's KLE subject; 503 while the
    subject is not in the classification loaded from SF1510."""
    require_roles(uow, "caseworker", "team_leader")
    if not uow.principal.covers_kle(settings.underretning_kle_subject):
        # The case would be filed where the caller's KLE constraint does not reach: they could
        # not see it afterwards. Refused on the caller's rights alone, whatever the child.
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"Dine rettigheder omfatter ikke KLE-emnet {settings.underretning_kle_subject}, "
            "som underretninger journaliseres under",
        )
    try:
        received = receive(
            uow.conn, uow.principal, data, kle_subject=settings.underretning_kle_subject
        )
    except ClassificationMissing as missing:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=missing.detail) from None
    uow.touch([received.case_id])
    uow.commit(status.HTTP_201_CREATED)
    # The outbox relay starts the instance within moments when the broker is up.
    key = wait_for_instance(uow.conn, "underretningId", str(received.underretning_id), 3.0)
    return UnderretningCreated(
        case_id=received.case_id,
        underretning_id=received.underretning_id,
        process_instance_key=str(key) if key else None,
    )
