"""/administration: the municipality's administrator. Teams and their duty queues, who is in
which team, the mapping of FK Adgangsstyring roles, approval rules and the payment threshold,
the working-day calendar, and restricted cases; all for the administrator's own municipality.

The changes go through `api.admin.service`, the same as the JSON API (`/api/admin`): each is
checked (a Danish message at the field, the page shown again with what was typed) and written
with its `admin_change` row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import clock
from api.admin import service
from api.calendar.working_days import COPENHAGEN
from api.deps import UnitOfWork, require_roles
from api.web.render import render
from api.web.session import Csrf, PageUow

router = APIRouter(include_in_schema=False)

PATH = "/administration"
MESSAGES = {
    "enhed_oprettet": "Enheden er oprettet.",
    "enhed_gemt": "Enheden er gemt.",
    "enhed_slettet": "Enheden er slettet.",
    "flyttet": "Medarbejderen er flyttet.",
    "rolle_tilfoejet": "Rollen er knyttet til.",
    "rolle_fjernet": "Tilknytningen er fjernet.",
    "godkendelse_gemt": "Godkendelsesreglerne er gemt.",
    "lukkedag_tilfoejet": "Lukkedagen er tilføjet.",
    "lukkedag_fjernet": "Lukkedagen er fjernet.",
    "beskyttet": "Sagen er beskyttet.",
    "ophaevet": "Beskyttelsen er ophævet.",
}
SECTIONS = {
    "enhed": "enheder",
    "flyttet": "medarbejdere",
    "rolle": "roller",
    "godkendelse": "godkendelse",
    "lukkedag": "kalender",
    "beskyttet": "beskyttede",
    "ophaevet": "beskyttede",
}


def _page(
    request: Request,
    uow: UnitOfWork,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Response:
    conn, p = uow.conn, uow.principal
    year = clock.current().now().astimezone(COPENHAGEN).year
    units = service.units(conn, p)
    restricted = service.restricted_cases(conn, p)
    uow.touch(r.case_id for r in restricted)
    context: dict[str, Any] = {
        "units": units,
        "unit_names": {u.id: u.name for u in units},
        "members": service.members(conn, p),
        "fk_roles": service.fk_roles(conn, p),
        "role_labels": service.ROLE_LABELS,
        "approval": service.approval(conn, p),
        "approval_subjects": service.APPROVAL_SUBJECTS,
        "closing_days": service.closing_days(conn, p),
        "years": [(y, service.calendar_year(conn, p, y)) for y in (year, year + 1)],
        "restricted": restricted,
        "changes": service.changes(conn, p, 20),
        "change_labels": service.CHANGE_LABELS,
        "municipality_id": p.municipality_id,
        "message": MESSAGES.get(request.query_params.get("besked", "")),
        "errors": errors or {},
        "values": values or {},
    }
    uow.commit(status_code)
    return render(request, "admin.html", p, status_code=status_code, **context)


@router.get(PATH, response_class=HTMLResponse)
def admin_page(request: Request, uow: PageUow) -> Response:
    require_roles(uow, "admin")
    return _page(request, uow)


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form:
        items = [v for v in form.getlist(key) if isinstance(v, str)]
        data[key] = items if key in ("subjects",) else (items[0] if items else "")
    return data


def _change(
    request: Request,
    uow: UnitOfWork,
    form_key: str,
    data: dict[str, Any],
    action: Callable[[], object],
    done: str,
) -> Response:
    """Make the change and go back to the page (303), or show the page again with the
    errors at the fields and the input kept (400); another municipality's thing is a 404."""
    require_roles(uow, "admin")
    try:
        action()
    except service.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
    except service.Invalid as exc:
        uow.conn.rollback()
        return _page(request, uow, {form_key: exc.errors}, {form_key: data}, 400)
    uow.commit()
    section = next((s for k, s in SECTIONS.items() if done.startswith(k)), "")
    return RedirectResponse(f"{PATH}?besked={done}#{section}", status_code=303)


@router.post(f"{PATH}/enheder", dependencies=[Csrf])
async def create_unit(request: Request, uow: PageUow) -> Response:
    data = await _form(request)
    return _change(
        request,
        uow,
        "ny-enhed",
        data,
        lambda: service.create_unit(uow.conn, uow.principal, data),
        "enhed_oprettet",
    )


@router.post(PATH + "/enheder/{unit_id}", dependencies=[Csrf])
async def update_unit(unit_id: str, request: Request, uow: PageUow) -> Response:
    data = await _form(request)
    return _change(
        request,
        uow,
        f"enhed-{unit_id}",
        data,
        lambda: service.update_unit(uow.conn, uow.principal, unit_id, data),
        "enhed_gemt",
    )


@router.post(PATH + "/enheder/{unit_id}/slet", dependencies=[Csrf])
async def delete_unit(unit_id: str, request: Request, uow: PageUow) -> Response:
    data = await _form(request)
    return _change(
        request,
        uow,
        f"enhed-{unit_id}",
        data,
        lambda: service.delete_unit(uow.conn, uow.principal, unit_id),
        "enhed_slettet",
    )


@router.post(PATH + "/medarbejdere/{username}", dependencies=[Csrf])
async def move_member(username: str, request: Request, uow: PageUow) -> Response:
    data = await _form(request)
    return _change(
        request,
        uow,
        f"flyt-{username}",
        data,
        lambda: service.move_member(
            uow.conn, uow.principal, username, str(data.get("org_unit_id", ""))
        ),
        "flyttet",
    )


@router.post(f"{PATH}/roller", dependencies=[Csrf])
async def add_fk_role(request: Request, uow: PageUow) -> Response:
    data = await _form(request)
    return _change(
        request,
        uow,
        "ny-rolle",
        data,
        lambda: service.add_fk_role(uow.conn, uow.principal, data),
        "rolle_tilfoejet",
    )


@router.post(f"{PATH}/roller/fjern", dependencies=[Csrf])
async def delete_fk_role(request: Request, uow: PageUow) -> Response:
    data = await _form(request)
    return _change(
        request,
        uow,
        "fjern-rolle",
        data,
        lambda: service.delete_fk_role(uow.conn, uow.principal, data),
        "rolle_fjernet",
    )


@router.post(f"{PATH}/godkendelse", dependencies=[Csrf])
async def set_approval(request: Request, uow: PageUow) -> Response:
    data = await _form(request)
    data.setdefault("subjects", [])
    return _change(
        request,
        uow,
        "godkendelse",
        data,
        lambda: service.set_approval(
            uow.conn, uow.principal, data["subjects"], str(data.get("payment_threshold", ""))
        ),
        "godkendelse_gemt",
    )


@router.post(f"{PATH}/lukkedage", dependencies=[Csrf])
async def add_closing_day(request: Request, uow: PageUow) -> Response:
    data = await _form(request)
    return _change(
        request,
        uow,
        "lukkedag",
        data,
        lambda: service.add_closing_day(uow.conn, uow.principal, str(data.get("date", ""))),
        "lukkedag_tilfoejet",
    )


@router.post(PATH + "/lukkedage/{day}/fjern", dependencies=[Csrf])
async def delete_closing_day(day: str, request: Request, uow: PageUow) -> Response:
    data = await _form(request)
    return _change(
        request,
        uow,
        f"fjern-lukkedag-{day}",
        data,
        lambda: service.delete_closing_day(uow.conn, uow.principal, day),
        "lukkedag_fjernet",
    )


@router.post(f"{PATH}/beskyttede", dependencies=[Csrf])
async def restrict(request: Request, uow: PageUow) -> Response:
    data = await _form(request)
    users = str(data.get("users", "")).replace(",", " ").split()

    def change() -> None:
        uow.touch(
            [
                service.restrict(
                    uow.conn,
                    uow.principal,
                    str(data.get("case_number", "")),
                    str(data.get("reason", "")),
                    users,
                )
            ]
        )

    return _change(request, uow, "beskyt", data, change, "beskyttet")


@router.post(PATH + "/beskyttede/{case_number}/ophaev", dependencies=[Csrf])
async def lift(case_number: str, request: Request, uow: PageUow) -> Response:
    data = await _form(request)

    def change() -> None:
        uow.touch([service.lift(uow.conn, uow.principal, case_number, str(data.get("reason", "")))])

    return _change(request, uow, f"ophaev-{case_number}", data, change, "ophaevet")
