"""/tilbud/{id}: one offer as the municipality sees it (its price, agreements, experiences),
where a caseworker writes an experience and a team leader or finance records a negotiated
price. Plain forms with the CSRF token; each post is one audited transaction."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from api import clock
from api.deps import UnitOfWork, require_roles
from api.tilbud import service
from api.tilbud.pages import HERE, env
from api.tilbud.router import READERS, today
from api.web import render as web
from api.web.session import Csrf, PageUow, csrf_token, session_token

router = APIRouter(include_in_schema=False)
WRITERS = {"experience": ("caseworker", "team_leader"), "price": ("team_leader", "finance")}
MESSAGES = {
    "erfaring": "Erfaringen er gemt.",
    "pris": "Den forhandlede pris er gemt.",
}
# Our templates first, then the pages' own (base.html).
LOADER = ChoiceLoader(
    [FileSystemLoader(HERE / "templates"), FileSystemLoader(web.HERE / "templates")]
)
pages_env = Environment(loader=LOADER, autoescape=select_autoescape(["html"]))
pages_env.filters.update(env.filters)
pages_env.filters["dkdatetime"] = web.dk_datetime
pages_env.filters["dkdate"] = web.dk_date
pages_env.globals.update(env.globals)


def _page(request: Request, uow: UnitOfWork, status_code: int = 200, **context: Any) -> Response:
    session = session_token(request)
    html = pages_env.get_template("offer.html").render(
        principal=uow.principal,
        nav=web.nav_for(uow.principal),
        csrf_token=csrf_token(session) if session else "",
        current_path=request.url.path,
        may_write_experience=uow.principal.has(*WRITERS["experience"]),
        may_set_price=uow.principal.has(*WRITERS["price"]),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def _offer(uow: UnitOfWork, offer_id: uuid.UUID) -> dict[str, Any]:
    require_roles(uow, *READERS)
    found = service.offer(
        uow.conn,
        municipality_id=uow.principal.municipality_id,
        offer_id=offer_id,
        origin=None,
        today=today(),
    )
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Tilbuddet findes ikke")
    return found


@router.get("/tilbud/{offer_id}", response_class=HTMLResponse)
def offer_page(offer_id: uuid.UUID, request: Request, uow: PageUow) -> Response:
    found = _offer(uow, offer_id)
    uow.commit()
    return _page(
        request, uow, offer=found, message=MESSAGES.get(request.query_params.get("besked", ""))
    )


def _refused(request: Request, uow: UnitOfWork, offer_id: uuid.UUID, **errors: Any) -> Response:
    uow.conn.rollback()
    found = _offer(uow, offer_id)
    uow.commit(422)
    return _page(request, uow, 422, offer=found, message=None, **errors)


@router.post("/tilbud/{offer_id}/erfaringer", dependencies=[Csrf])
def write_experience(
    offer_id: uuid.UUID,
    request: Request,
    uow: PageUow,
    rating: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    _offer(uow, offer_id)
    require_roles(uow, *WRITERS["experience"])
    try:
        service.add_experience(
            uow.conn,
            uow.principal,
            offer_id,
            rating=int(rating) if rating.isdigit() else 0,
            text=text,
            at=clock.current().now(),
        )
    except service.Invalid as exc:
        return _refused(request, uow, offer_id, experience_errors=exc.fields, typed=text)
    uow.commit(303)
    return RedirectResponse(f"/tilbud/{offer_id}?besked=erfaring", status_code=303)


@router.post("/tilbud/{offer_id}/priser", dependencies=[Csrf])
def set_price(
    offer_id: uuid.UUID,
    request: Request,
    uow: PageUow,
    price: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "",
    valid_from: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    _offer(uow, offer_id)
    require_roles(uow, *WRITERS["price"])
    problems: dict[str, str] = {}
    try:
        amount = Decimal(price.strip().replace(",", ".")) if price.strip() else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        problems["price"] = "Skriv prisen som et beløb, fx 2450,00"
    try:
        starts = date.fromisoformat(valid_from)
    except ValueError:
        problems["valid_from"] = "Skriv datoen som åååå-mm-dd"
    if problems or amount is None:
        return _refused(request, uow, offer_id, price_errors=problems)
    try:
        service.set_price(
            uow.conn,
            uow.principal,
            offer_id,
            price=amount,
            unit=unit,
            valid_from=starts,
            note=note[:2000],
        )
    except service.Invalid as exc:
        return _refused(request, uow, offer_id, price_errors=exc.fields)
    uow.commit(303)
    return RedirectResponse(f"/tilbud/{offer_id}?besked=pris", status_code=303)
