"""The catalogue beside the decision form (/opgaver/{id}): a search panel rendered into the
task page, and its result and comparison fragments, fetched by api/tilbud/static/tilbud.js.
"Vælg" hands the offer's provider, price and id to the form (form.js fills the fields), so
the chosen offer flows into the decision and its grant."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.deps import UnitOfWork
from api.tasks import router as task_api
from api.tasks.service import Task
from api.tilbud import geo, service, vocabulary
from api.tilbud.router import today
from api.web.session import PageUow

HERE = Path(__file__).parent
# The decision forms whose Bevilling fields a catalogue offer can fill.
FORMS = frozenset({"afgoerelse"})
MAX_COMPARED = 4
router = APIRouter(include_in_schema=False)
env = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
)


def _money(value: Any) -> str:
    """12500.00 -> 12.500,00 kr. (Danish grouping)."""
    text = f"{Decimal(str(value)):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{text} kr."


def _labels(codes: list[str], table: dict[str, str]) -> str:
    return ", ".join(table.get(code, code) for code in codes)


env.filters["money"] = _money
env.filters["labels"] = _labels
env.globals.update(
    needs=vocabulary.OFFER_TYPES,
    target_groups=vocabulary.TARGET_GROUPS,
    methods=vocabulary.METHODS,
    tilsyn=vocabulary.TILSYN_STATUSES,
    units=vocabulary.UNITS,
)


def fill(offer: dict[str, Any]) -> str:
    """The decision form's fields an offer fills, as JSON for the Vælg button."""
    return json.dumps(
        {
            "indsats_type": offer["offer_type"],
            "provider_type": offer["provider_type"],
            "provider_name": offer["name"],
            "provider_cvr": offer["provider_cvr"],
            "price": float(offer["price"]),
            "price_unit": offer["price_unit"],
            "tilbud_id": offer["id"],
        }
    )


env.filters["fill"] = fill


def panel(uow: UnitOfWork, task: Task) -> str | None:
    """The search panel's HTML (autoescaped) for a decision task's page, or None for any
    other task."""
    if task.form_id not in FORMS:
        return None
    origin = service.case_origin(uow.conn, task.case_id)
    return env.get_template("panel.html").render(task=task, origin=origin.basis if origin else None)


def _decision_task(uow: UnitOfWork, task_id: int) -> tuple[Task, geo.Origin | None]:
    task = task_api._task_in_scope(uow, task_id)
    if task.form_id not in FORMS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Opgaven har ingen tilbudssøgning")
    return task, service.case_origin(uow.conn, task.case_id)


def _number(value: str | None) -> Decimal | None:
    try:
        number = Decimal(value) if value else None
    except InvalidOperation:
        return None
    return number if number is not None and number.is_finite() and number >= 0 else None


def _code(value: str | None, allowed: dict[str, str]) -> str | None:
    return value if value in allowed else None


@router.get("/opgaver/{task_id}/tilbud", response_class=HTMLResponse)
def results(
    task_id: int,
    request: Request,
    uow: PageUow,
    need: str | None = None,
    target_group: str | None = None,
    method: str | None = None,
    max_km: str | None = None,
    max_monthly_price: str | None = None,
    vacant_only: str | None = None,
    sort: str = "distance",
) -> HTMLResponse:
    """The offers matching the panel's choices, as a table to compare and choose from."""
    _, origin = _decision_task(uow, task_id)
    km = _number(max_km)
    query = service.Query(
        need=_code(need, vocabulary.OFFER_TYPES),
        target_group=_code(target_group, vocabulary.TARGET_GROUPS),
        method=_code(method, vocabulary.METHODS),
        max_km=float(km) if km is not None else None,
        max_monthly_price=_number(max_monthly_price),
        vacant_only=bool(vacant_only),
        sort=sort if sort in service.SORTS else "distance",
        limit=25,
    )
    found = service.search(
        uow.conn,
        municipality_id=uow.principal.municipality_id,
        query=query,
        origin=origin,
        today=today(),
    )
    uow.commit()
    return HTMLResponse(env.get_template("results.html").render(offers=found, task_id=task_id))


@router.get("/opgaver/{task_id}/tilbud/sammenlign", response_class=HTMLResponse)
def compare(task_id: int, uow: PageUow, id: Annotated[list[uuid.UUID], Query()]) -> HTMLResponse:
    """Up to four offers side by side, with the municipality's latest experience of each."""
    _, origin = _decision_task(uow, task_id)
    found = []
    for offer_id in id[:MAX_COMPARED]:
        detail = service.offer(
            uow.conn,
            municipality_id=uow.principal.municipality_id,
            offer_id=offer_id,
            origin=origin,
            today=today(),
        )
        if detail is not None:
            found.append(detail)
    uow.commit()
    return HTMLResponse(env.get_template("compare.html").render(offers=found))


def install(app: FastAPI) -> None:
    from api.tilbud import offer_page

    app.include_router(router)
    app.include_router(offer_page.router)
    app.mount("/tilbud/static", StaticFiles(directory=HERE / "static"), name="tilbud-static")
