"""/budget: the budget and forecast per funktion and org unit for a year, for team leaders and
finance, with drill-down to the children of a line and a child's grants, and a form to set a
line's budget. The numbers are the budget API's (`api.finance.budget`)."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import require_roles
from api.finance import budget
from api.finance.budget_router import background, check_year, read_line, today
from api.finance.kontostreng import INDSATS_TYPES
from api.web.render import render
from api.web.session import Csrf, PageUow

router = APIRouter(include_in_schema=False)

MESSAGES = {
    "sat": ("success", "Budgettet er gemt."),
    "beloeb": ("error", "Budgettet skal være et beløb i kroner, fx 1250000 eller 1.250.000,50."),
}
UNITS = {"maaned": "pr. måned", "uge": "pr. uge", "doegn": "pr. døgn"}
STATUS = {
    "planned": "Planlagt",
    "awaiting_approval": "Afventer godkendelse",
    "approved": "Godkendt",
    "rejected": "Afvist",
    "posted": "Bogført",
    "matched": "Bogført og afstemt",
    "mismatch": "Bogført med afvigelse",
}
TYPE_NAMES = {k: v for types in INDSATS_TYPES.values() for k, v in types.items()}


def kr(value: Any) -> str:
    """1234567.8 -> '1.234.567,80' (Danish); '' for None."""
    if value is None or value == "":
        return ""
    text = f"{Decimal(str(value)):,.2f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def parse_kr(text: str) -> Decimal:
    """'1.250.000,50', '1250000.50' or '1250000' -> Decimal; InvalidOperation otherwise."""
    cleaned = text.strip().replace(" ", "").removesuffix("kr.").removesuffix("kr")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif cleaned.count(".") > 1:
        cleaned = cleaned.replace(".", "")
    value = Decimal(cleaned)
    if not value.is_finite():
        raise InvalidOperation(text)
    return value


def _helpers() -> dict[str, Any]:
    return {"kr": kr, "units": UNITS, "statuses": STATUS, "type_names": TYPE_NAMES}


@router.get("/budget", response_class=HTMLResponse)
def budget_page(request: Request, uow: PageUow) -> Response:
    require_roles(uow, *budget.READERS)
    as_of = today()
    try:
        year = check_year(int(request.query_params.get("aar") or as_of.year))
    except ValueError:
        year = as_of.year
    view = budget.overview(uow.conn, uow.principal, year, as_of, background(uow))
    context = {
        "view": view,
        "years": list(range(as_of.year - 2, as_of.year + 2)),
        "funktioner": sorted(budget.funktion_names(uow.conn).items()),
        "units_settable": budget.units_for(uow.conn, uow.principal)
        if uow.principal.has(*budget.SETTERS)
        else [],
        "message": MESSAGES.get(request.query_params.get("besked", "")),
        "error": request.query_params.get("fejl", ""),
        **_helpers(),
    }
    uow.commit()
    return render(request, "budget.html", uow.principal, **context)


@router.post("/budget/saet", dependencies=[Csrf])
def set_line(
    uow: PageUow,
    year: Annotated[int, Form()],
    funktion: Annotated[str, Form()],
    org_unit_id: Annotated[uuid.UUID, Form()],
    amount: Annotated[str, Form()] = "",
) -> Response:
    require_roles(uow, *budget.SETTERS)

    def back(**query: str) -> RedirectResponse:
        return RedirectResponse(
            f"/budget?{urlencode({'aar': year, **query})}#budgetlinjer",
            status_code=status.HTTP_303_SEE_OTHER,
        )

    try:
        value = parse_kr(amount)
    except (InvalidOperation, ValueError):
        uow.commit(422)
        return back(besked="beloeb")
    try:
        budget.set_budget(
            uow.conn,
            uow.principal,
            year=year,
            funktion=funktion,
            org_unit_id=org_unit_id,
            amount=value,
        )
    except budget.BudgetInvalid as exc:
        uow.conn.rollback()
        uow.commit(422)
        return back(fejl=str(exc))
    except PermissionError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc)) from None
    uow.commit()
    return back(besked="sat")


@router.get("/budget/{year}/{funktion}/sager/{case_id}", response_class=HTMLResponse)
def case_page(
    year: int, funktion: str, case_id: uuid.UUID, request: Request, uow: PageUow
) -> Response:
    require_roles(uow, *budget.READERS)
    view = budget.case_grants(
        uow.conn, uow.principal, check_year(year), funktion, case_id, today(), background(uow)
    )
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Sagen findes ikke")
    uow.touch([case_id])
    uow.commit()
    return render(request, "budget_case.html", uow.principal, view=view, **_helpers())


@router.get("/budget/{year}/{funktion}/{org_unit_id}", response_class=HTMLResponse)
def line_page(
    year: int, funktion: str, org_unit_id: uuid.UUID, request: Request, uow: PageUow
) -> Response:
    read_line(uow, funktion, org_unit_id)
    try:
        offset = max(0, int(request.query_params.get("fra") or 0))
    except ValueError:
        offset = 0
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
    return render(request, "budget_line.html", uow.principal, view=view, **_helpers())
