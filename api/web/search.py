"""/soeg: find a case by CPR number, the child's name or the case number.

The search is a POST, so a CPR number never goes in a URL (nor in an access log). Results are
filtered with the same case scope as every case read, and the cases found are audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import ColumnElement, and_, func, or_, select

from api.auth.principal import Principal
from api.cases.cpr import CprNumber
from api.cases.tables import case, person
from api.deps import require_roles
from api.web.case_data import full_name
from api.web.render import render
from api.web.session import Csrf, PageUow

router = APIRouter(include_in_schema=False)

LIMIT = 50
CPR_SHAPED = re.compile(r"^\d{6}-?\d{4}$")
CASE_NUMBER = re.compile(r"^\d{3}-\d{4}-[0-9A-Za-z]+$")


@dataclass(frozen=True)
class Hit:
    case_id: Any
    case_number: str
    status: str
    child_name: str
    unborn: bool
    created_at: Any


def _name() -> Any:
    data = person.c.cpr_data
    return func.concat_ws(
        " ",
        data["first_names"].astext,
        data["middle_name"].astext,
        data["last_name"].astext,
        data["addressing_name"].astext,
    )


def criterion(query: str) -> tuple[str, ColumnElement[bool]]:
    """What the text is taken as (cpr, sagsnummer, navn) and the predicate on case and child.
    A malformed CPR-shaped text raises ValueError with the Danish reason."""
    text = " ".join(query.split())
    if CPR_SHAPED.match(text):
        number = CprNumber(text).value
        mother = person.alias("mother")
        unborn_of = (
            select(person.c.id)
            .join(mother, mother.c.id == person.c.unborn_mother_id)
            .where(mother.c.cpr == number)
        )
        return "cpr", or_(person.c.cpr == number, person.c.id.in_(unborn_of))
    if CASE_NUMBER.match(text):
        return "sagsnummer", func.upper(case.c.case_number) == text.upper()
    words = [w for w in text.split(" ") if w]
    return "navn", and_(*(_name().icontains(w, autoescape=True) for w in words))


def search(conn: Any, principal: Principal, query: str) -> tuple[str, list[Hit]]:
    kind, where = criterion(query)
    rows = conn.execute(
        select(
            case.c.id,
            case.c.case_number,
            case.c.status,
            case.c.created_at,
            person.c.cpr,
            person.c.cpr_data,
        )
        .join(person, person.c.id == case.c.child_id)
        .where(where, principal.case_scope())
        .order_by(case.c.created_at.desc())
        .limit(LIMIT)
    ).all()
    return kind, [
        Hit(
            r.id,
            r.case_number,
            r.status,
            full_name(r.cpr_data) or ("Ufødt barn" if r.cpr is None else "Navn ikke hentet"),
            r.cpr is None,
            r.created_at,
        )
        for r in rows
    ]


@router.get("/soeg", response_class=HTMLResponse)
def search_page(request: Request, uow: PageUow) -> Response:
    require_roles(uow, "caseworker", "team_leader")
    uow.commit()
    return render(request, "search.html", uow.principal, query="", hits=None, error=None)


@router.post("/soeg", dependencies=[Csrf])
def run_search(request: Request, uow: PageUow, q: Annotated[str, Form()] = "") -> Response:
    require_roles(uow, "caseworker", "team_leader")
    error = None
    kind, hits = "", list[Hit]()
    if len(q.strip()) < 2:
        error = "Skriv et CPR-nummer, et navn eller et sagsnummer."
    else:
        try:
            kind, hits = search(uow.conn, uow.principal, q)
        except ValueError as exc:
            error = str(exc)
    uow.touch(h.case_id for h in hits)
    status_code = 400 if error else 200
    uow.commit(status_code)
    return render(
        request,
        "search.html",
        uow.principal,
        status_code=status_code,
        query=q,
        kind=kind,
        hits=None if error else hits,
        error=error,
        limit=LIMIT,
    )
