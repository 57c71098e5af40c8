"""/api/admin: the municipality's administration as JSON, for the `admin` role, own municipality.

A refused change is a 422 with a Danish message per field (`detail.fields`); something of another
municipality is the same 404 as something that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel

from api import clock
from api.admin import service
from api.calendar.working_days import COPENHAGEN
from api.deps import UnitOfWork, Uow, require_roles

router = APIRouter(prefix="/api/admin", tags=["administration"])

T = TypeVar("T")


def admin(uow: UnitOfWork) -> None:
    require_roles(uow, "admin")


def run(uow: UnitOfWork, action: Callable[[], T], code: int = 200) -> T:
    """The change, committed with its audit rows; refusals as 404 or 422, nothing written."""
    try:
        result = action()
    except service.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None
    except service.Invalid as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            detail={"message": "Ændringen er ikke gemt", "fields": exc.errors},
        ) from None
    uow.commit(code)
    return result


class UnitIn(BaseModel):
    name: str = ""
    duty_group: str = ""
    leader_group: str = ""
    # The unit's UUID in FK Organisation (SSO's org-unit data constraint); new when empty.
    id: str = ""


class MoveIn(BaseModel):
    org_unit_id: str = ""


class FkRoleIn(BaseModel):
    fk_role: str = ""
    role: str = ""


class ApprovalIn(BaseModel):
    subjects: list[str] = []
    # Kroner as text ("75.000,50" or "75000.50") or a whole number.
    payment_threshold: str | int = ""


class ClosingDayIn(BaseModel):
    date: str = ""


class RestrictIn(BaseModel):
    case_number: str = ""
    reason: str = ""
    users: list[str] = []


class LiftIn(BaseModel):
    reason: str = ""


@router.get("")
def overview(uow: Uow) -> dict[str, Any]:
    """Everything the administrator manages, in one read."""
    admin(uow)
    conn, p = uow.conn, uow.principal
    year = clock.current().now().astimezone(COPENHAGEN).year
    restricted = service.restricted_cases(conn, p)
    uow.touch(r.case_id for r in restricted)
    body = {
        "municipality_id": p.municipality_id,
        "units": [u.as_dict() for u in service.units(conn, p)],
        "users": [
            {"username": m.username, "org_unit_id": str(m.org_unit_id), "roles": m.roles}
            for m in service.members(conn, p)
        ],
        "fk_roles": [{"fk_role": f, "role": r} for f, r in service.fk_roles(conn, p)],
        "approval": service.approval(conn, p),
        "closing_days": [d.isoformat() for d in service.closing_days(conn, p)],
        "closed_days": {d.isoformat(): n for d, n in service.calendar_year(conn, p, year).items()},
        "restricted_cases": [r.as_dict() for r in restricted],
    }
    uow.commit()
    return body


@router.get("/units")
def list_units(uow: Uow) -> list[dict[str, Any]]:
    admin(uow)
    found = [u.as_dict() for u in service.units(uow.conn, uow.principal)]
    uow.commit()
    return found


@router.post("/units", status_code=status.HTTP_201_CREATED)
def create_unit(data: UnitIn, uow: Uow) -> dict[str, Any]:
    admin(uow)
    made = run(uow, lambda: service.create_unit(uow.conn, uow.principal, data.model_dump()), 201)
    return made.as_dict()


@router.put("/units/{unit_id}")
def update_unit(unit_id: str, data: UnitIn, uow: Uow) -> dict[str, Any]:
    admin(uow)
    values = data.model_dump()
    changed = run(uow, lambda: service.update_unit(uow.conn, uow.principal, unit_id, values))
    return changed.as_dict()


@router.delete("/units/{unit_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_unit(unit_id: str, uow: Uow) -> None:
    admin(uow)
    run(uow, lambda: service.delete_unit(uow.conn, uow.principal, unit_id), 204)


@router.put("/users/{username}/org-unit")
def move_user(username: str, data: MoveIn, uow: Uow) -> dict[str, str]:
    admin(uow)
    run(uow, lambda: service.move_member(uow.conn, uow.principal, username, data.org_unit_id))
    return {"username": username, "org_unit_id": data.org_unit_id}


@router.get("/fk-roles")
def list_fk_roles(uow: Uow) -> list[dict[str, str]]:
    admin(uow)
    found = [{"fk_role": f, "role": r} for f, r in service.fk_roles(uow.conn, uow.principal)]
    uow.commit()
    return found


@router.post("/fk-roles", status_code=status.HTTP_201_CREATED)
def add_fk_role(data: FkRoleIn, uow: Uow) -> dict[str, str]:
    admin(uow)
    run(uow, lambda: service.add_fk_role(uow.conn, uow.principal, data.model_dump()), 201)
    return data.model_dump()


@router.delete("/fk-roles", status_code=status.HTTP_204_NO_CONTENT)
def delete_fk_role(uow: Uow, fk_role: str = "", role: str = "") -> None:
    admin(uow)
    key = {"fk_role": fk_role, "role": role}
    run(uow, lambda: service.delete_fk_role(uow.conn, uow.principal, key), 204)


@router.get("/approval")
def get_approval(uow: Uow) -> dict[str, Any]:
    admin(uow)
    found = service.approval(uow.conn, uow.principal)
    uow.commit()
    return found


@router.put("/approval")
def set_approval(data: ApprovalIn, uow: Uow) -> dict[str, Any]:
    admin(uow)
    return run(
        uow,
        lambda: service.set_approval(
            uow.conn, uow.principal, data.subjects, str(data.payment_threshold)
        ),
    )


@router.get("/calendar")
def get_calendar(uow: Uow, year: int | None = None) -> dict[str, Any]:
    admin(uow)
    year = year or clock.current().now().astimezone(COPENHAGEN).year
    if not 1900 <= year <= 2200:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail="Ukendt år")
    days = service.calendar_year(uow.conn, uow.principal, year)
    found = {
        "year": year,
        "closing_days": [d.isoformat() for d in service.closing_days(uow.conn, uow.principal)],
        "closed_days": {d.isoformat(): name for d, name in days.items()},
    }
    uow.commit()
    return found


@router.post("/calendar/closing-days", status_code=status.HTTP_201_CREATED)
def add_closing_day(data: ClosingDayIn, uow: Uow) -> dict[str, str]:
    admin(uow)
    day = run(uow, lambda: service.add_closing_day(uow.conn, uow.principal, data.date), 201)
    return {"date": day.isoformat()}


@router.delete("/calendar/closing-days/{day}", status_code=status.HTTP_204_NO_CONTENT)
def delete_closing_day(day: str, uow: Uow) -> None:
    admin(uow)
    run(uow, lambda: service.delete_closing_day(uow.conn, uow.principal, day), 204)


@router.get("/restricted-cases")
def list_restricted(uow: Uow) -> list[dict[str, Any]]:
    admin(uow)
    found = service.restricted_cases(uow.conn, uow.principal)
    uow.touch(r.case_id for r in found)
    uow.commit()
    return [r.as_dict() for r in found]


@router.post("/restricted-cases")
def restrict(data: RestrictIn, uow: Uow) -> dict[str, Any]:
    admin(uow)

    def change() -> str:
        case_id = service.restrict(
            uow.conn, uow.principal, data.case_number, data.reason, data.users
        )
        uow.touch([case_id])
        return str(case_id)

    case_id = run(uow, change)
    return {"case_id": case_id, "case_number": data.case_number.strip(), "restricted": True}


@router.post("/restricted-cases/{case_number}/lift")
def lift(case_number: str, data: LiftIn, uow: Uow) -> dict[str, Any]:
    admin(uow)

    def change() -> str:
        case_id = service.lift(uow.conn, uow.principal, case_number, data.reason)
        uow.touch([case_id])
        return str(case_id)

    case_id = run(uow, change)
    return {"case_id": case_id, "case_number": case_number, "restricted": False}


@router.get("/changes")
def list_changes(uow: Uow, limit: int = 50) -> list[dict[str, Any]]:
    """The change log: who changed what, before and after."""
    admin(uow)
    rows = service.changes(uow.conn, uow.principal, max(1, min(limit, 500)))
    uow.commit()
    return [
        {
            "at": r.at.isoformat(),
            "username": r.username,
            "change": r.change,
            "subject": r.subject,
            "before": r.before,
            "after": r.after,
        }
        for r in rows
    ]
