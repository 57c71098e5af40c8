"""The catalogue's JSON API: search (optionally from a case: distance from the child), one
offer, the code lists, a municipality's negotiated price and experiences. Every request is
audited (one audit_event row, with the case when a case was read)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from api import clock
from api.calendar.working_days import COPENHAGEN
from api.cases.service import get_case
from api.deps import UnitOfWork, Uow, require_roles
from api.tilbud import geo, service

router = APIRouter(prefix="/api/tilbud", tags=["tilbud"])
READERS = ("caseworker", "team_leader", "finance", "auditor")
NOT_FOUND = "Tilbuddet findes ikke / no such offer"


def today() -> date:
    return clock.current().now().astimezone(COPENHAGEN).date()


def origin_of(uow: UnitOfWork, case_id: uuid.UUID | None) -> geo.Origin | None:
    """Distances from the child of a case in the caller's scope (404 otherwise), or from the
    caller's municipality."""
    if case_id is None:
        return geo.origin(None, uow.principal.municipality_id, protected=True)
    row = get_case(uow.conn, uow.principal, case_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Sagen findes ikke")
    uow.touch([row.id])
    return service.case_origin(uow.conn, row.id)


def _invalid(exc: service.Invalid) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_ENTITY,
        detail={"message": "Oplysningerne kan ikke gemmes", "fields": exc.fields},
    )


def _known(value: str | None, allowed: dict[str, str], name: str) -> str | None:
    if value and value not in allowed:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY, detail=f"Ukendt {name} / unknown {name}"
        )
    return value or None


def query_from(
    need: str | None,
    target_group: str | None,
    method: str | None,
    max_km: float | None,
    max_monthly_price: Decimal | None,
    vacant_only: bool,
    sort: str,
) -> service.Query:
    codes = service.codes()
    return service.Query(
        need=_known(need, codes["needs"], "behov"),
        target_group=_known(target_group, codes["target_groups"], "målgruppe"),
        method=_known(method, codes["methods"], "metode"),
        max_km=max_km,
        max_monthly_price=max_monthly_price,
        vacant_only=vacant_only,
        sort=sort if sort in service.SORTS else "distance",
    )


@router.get("")
def search(
    uow: Uow,
    need: str | None = None,
    target_group: str | None = None,
    method: str | None = None,
    case_id: uuid.UUID | None = None,
    max_km: Annotated[float | None, Query(gt=0)] = None,
    max_monthly_price: Annotated[Decimal | None, Query(ge=0)] = None,
    vacant_only: bool = False,
    sort: str = "distance",
) -> dict[str, Any]:
    """Offers by need (indsats type), target group, method, distance from the case's child
    and price (the municipality's negotiated price where agreed; compared per month)."""
    require_roles(uow, *READERS)
    query = query_from(need, target_group, method, max_km, max_monthly_price, vacant_only, sort)
    origin = origin_of(uow, case_id)
    found = service.search(
        uow.conn,
        municipality_id=uow.principal.municipality_id,
        query=query,
        origin=origin,
        today=today(),
    )
    uow.commit()
    return {"origin": origin.basis if origin else None, "offers": found}


@router.get("/koder")
def codes(uow: Uow) -> dict[str, dict[str, str]]:
    """The code lists: needs, target groups, methods, tilsyn statuses, price units."""
    require_roles(uow, *READERS)
    uow.commit()
    return service.codes()


@router.get("/{offer_id}")
def offer(offer_id: uuid.UUID, uow: Uow, case_id: uuid.UUID | None = None) -> dict[str, Any]:
    """One offer with the municipality's price history and experiences."""
    require_roles(uow, *READERS)
    found = service.offer(
        uow.conn,
        municipality_id=uow.principal.municipality_id,
        offer_id=offer_id,
        origin=origin_of(uow, case_id),
        today=today(),
    )
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND)
    uow.commit()
    return found


class PriceIn(BaseModel):
    price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    unit: str
    valid_from: date
    note: str = Field(default="", max_length=2000)


@router.post("/{offer_id}/priser", status_code=status.HTTP_201_CREATED)
def negotiate(offer_id: uuid.UUID, data: PriceIn, uow: Uow) -> dict[str, str]:
    """The municipality's negotiated price from a day on (team leaders and finance)."""
    require_roles(uow, "team_leader", "finance")
    if not service.exists(uow.conn, offer_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND)
    try:
        price_id = service.set_price(
            uow.conn,
            uow.principal,
            offer_id,
            price=data.price,
            unit=data.unit,
            valid_from=data.valid_from,
            note=data.note,
        )
    except service.Invalid as exc:
        raise _invalid(exc) from None
    uow.commit(status.HTTP_201_CREATED)
    return {"id": str(price_id)}


class ExperienceIn(BaseModel):
    rating: int
    text: str = Field(max_length=4000)


@router.post("/{offer_id}/erfaringer", status_code=status.HTTP_201_CREATED)
def add_experience(offer_id: uuid.UUID, data: ExperienceIn, uow: Uow) -> dict[str, str]:
    """A caseworker's experience with the offer: dated, signed, rated 1-5."""
    require_roles(uow, "caseworker", "team_leader")
    if not service.exists(uow.conn, offer_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND)
    try:
        note_id = service.add_experience(
            uow.conn,
            uow.principal,
            offer_id,
            rating=data.rating,
            text=data.text,
            at=clock.current().now(),
        )
    except service.Invalid as exc:
        raise _invalid(exc) from None
    uow.commit(status.HTTP_201_CREATED)
    return {"id": str(note_id)}
