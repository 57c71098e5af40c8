"""POST /api/cases/{id}/aktindsigt and the redacted export of a request."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, Field, field_validator, model_validator

from api import clock
from api.cases import aktindsigt
from api.cases.cpr import CprNumber
from api.cases.service import get_case
from api.deps import UnitOfWork, Uow, require_roles

router = APIRouter(prefix="/api/cases", tags=["aktindsigt"])

# A receipt a few minutes ahead of our clock is a clock difference, not a request from the future.
CLOCK_SLACK = timedelta(minutes=5)
FIELDS = ("requester_cpr", "received_at", "scope")


class AktindsigtIn(BaseModel):
    """Every message in Danish and English: the caseworker reads them at the intake."""

    requester_cpr: str = Field(description="CPR-nummer på den, der beder om aktindsigt")
    received_at: datetime = Field(description="Modtaget (tidspunkt med tidszone)")
    scope: str | None = Field(default=None, description="Hvad anmodningen omfatter")

    @model_validator(mode="before")
    @classmethod
    def known_fields(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("forventede et JSON-objekt / expected a JSON object")
        unknown = sorted(set(data) - set(FIELDS))
        if unknown:
            raise ValueError(f"ukendte felter / unknown fields: {', '.join(unknown)}")
        missing = [f for f in FIELDS[:2] if data.get(f) in (None, "")]
        if missing:
            raise ValueError(f"skal udfyldes / required: {', '.join(missing)}")
        return data

    @field_validator("requester_cpr", mode="before")
    @classmethod
    def valid_cpr(cls, value: Any) -> str:
        try:
            return CprNumber(str(value)).value
        except ValueError as exc:
            raise ValueError(f"{exc} / not a valid CPR number") from None

    @field_validator("received_at", mode="before")
    @classmethod
    def aware_moment(cls, value: Any) -> datetime:
        try:
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        except ValueError:
            raise ValueError(
                "tidspunktet skal skrives som ISO 8601, fx 2026-03-02T10:15:00+01:00 / "
                "must be an ISO 8601 time"
            ) from None
        if moment.tzinfo is None:
            raise ValueError("tidspunktet skal have en tidszone / must carry a time zone")
        return moment

    @field_validator("scope")
    @classmethod
    def short_scope(cls, value: str | None) -> str | None:
        if value is not None and len(value.strip()) > 2000:
            raise ValueError("højst 2000 tegn / at most 2000 characters")
        return value.strip() if value else None


def _case_in_scope(uow: UnitOfWork, case_id: uuid.UUID) -> Any:
    """The case, touched for the audit; 404 outside the caller's scope, as for no case."""
    row = get_case(uow.conn, uow.principal, case_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Sagen findes ikke")
    uow.touch([row.id])
    return row


@router.post("/{case_id}/aktindsigt", status_code=status.HTTP_201_CREATED)
def register_aktindsigt(case_id: uuid.UUID, data: AktindsigtIn, uow: Uow) -> dict[str, str]:
    """Register a request for aktindsigt; the answer is due within 7 arbejdsdage (D19)."""
    require_roles(uow, "caseworker", "team_leader")
    row = _case_in_scope(uow, case_id)
    if data.received_at > clock.current().now() + CLOCK_SLACK:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            detail="Modtagelsestidspunktet ligger i fremtiden / received_at is in the future",
        )
    received = aktindsigt.receive(
        uow.conn,
        case_row=row,
        received_at=data.received_at,
        requester_cpr=data.requester_cpr,
        scope=data.scope,
        user_id=uow.principal.user_id,
    )
    uow.commit(status.HTTP_201_CREATED)
    return {"aktindsigt_id": str(received.request_id), "due_at": received.due_at.isoformat()}


@router.get("/{case_id}/aktindsigt/{request_id}/export")
def export_aktindsigt(case_id: uuid.UUID, request_id: uuid.UUID, uow: Uow) -> Response:
    """The case file as the requester gets it (redacted), so the caseworker can read it first."""
    require_roles(uow, "caseworker", "team_leader")
    row = _case_in_scope(uow, case_id)
    found = aktindsigt.export_pdf(uow.conn, row.id, request_id, clock.current().now())
    if found is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail="Der er ingen sådan anmodning om aktindsigt på sagen"
        )
    name, pdf = found
    uow.commit()
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
