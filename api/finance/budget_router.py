"""The budget API: the lines of a year (GET /api/budget), one line's children
(GET /api/budget/{year}/{funktion}/{org_unit_id}), one child's grants under the funktion
(GET /api/budget/{year}/{funktion}/cases/{case_id}), and setting a line's amount
(PUT /api/budget/{year}/{funktion}/{org_unit_id}). See api/finance/budget.py."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from api import clock
from api.calendar.working_days import COPENHAGEN
from api.deps import UnitOfWork, Uow, require_roles
from api.finance import budget

router = APIRouter(prefix="/api/budget", tags=["budget"])


def today() -> date:
    return clock.current().now().astimezone(COPENHAGEN).date()


def check_year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail="Ukendt år")
    return year


def background(uow: UnitOfWork) -> budget.Background:
    """Starts the municipality's background refresh of stale grant projections on the app's
    engine (a bulk import's; the request does not wait for it)."""
    engine = uow.request.app.state.engine
    return lambda municipality_id: budget.refresh_in_background(engine, municipality_id)


def read_line(uow: UnitOfWork, funktion: str, org_unit_id: uuid.UUID) -> None:
    """A line outside the reader's units is 404, as if it did not exist."""
    require_roles(uow, *budget.READERS)
    if not budget.FUNKTION.fullmatch(funktion) or not budget.may_see_unit(
        uow.principal, org_unit_id
    ):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Budgetlinjen findes ikke")


@router.get("")
def budget_overview(uow: Uow, year: int | None = Query(default=None)) -> dict[str, Any]:
    """Budget, spent, committed, forecast and variance per funktion and org unit."""
    require_roles(uow, *budget.READERS)
    as_of = today()
    view = budget.overview(
        uow.conn, uow.principal, check_year(year or as_of.year), as_of, background(uow)
    )
    uow.commit()
    return view


@router.get("/{year}/{funktion}/cases/{case_id}")
def budget_case(year: int, funktion: str, case_id: uuid.UUID, uow: Uow) -> dict[str, Any]:
    """One child's grants under the funktion: each month projected, paid and committed."""
    require_roles(uow, *budget.READERS)
    view = budget.case_grants(
        uow.conn, uow.principal, check_year(year), funktion, case_id, today(), background(uow)
    )
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Sagen findes ikke")
    uow.touch([case_id])
    uow.commit()
    return view


@router.get("/{year}/{funktion}/{org_unit_id}")
def budget_children(
    year: int,
    funktion: str,
    org_unit_id: uuid.UUID,
    uow: Uow,
    offset: int = Query(default=0, ge=0),
) -> dict[str, Any]:
    """The children (cases) under one budget line, largest forecast first, 200 a page."""
    read_line(uow, funktion, org_unit_id)
    view, read = budget.children(
        uow.conn,
        uow.principal,
        check_year(year),
        funktion,
        org_unit_id,
        today(),
        offset,
        background=background(uow),
    )
    uow.touch(read)
    uow.commit()
    return view


class BudgetIn(BaseModel):
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)


@router.put("/{year}/{funktion}/{org_unit_id}")
def put_budget(
    year: int, funktion: str, org_unit_id: uuid.UUID, data: BudgetIn, uow: Uow
) -> dict[str, Any]:
    """Set the line's budget: a team leader for their own unit, finance for any unit."""
    require_roles(uow, *budget.SETTERS)
    try:
        budget.set_budget(
            uow.conn,
            uow.principal,
            year=year,
            funktion=funktion,
            org_unit_id=org_unit_id,
            amount=data.amount,
        )
    except budget.BudgetInvalid as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail=str(exc)) from None
    except PermissionError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc)) from None
    uow.commit()
    return {
        "year": year,
        "funktion": funktion,
        "org_unit_id": str(org_unit_id),
        "amount": f"{data.amount:.2f}",
    }
