"""The audit over HTTP: who has seen a case (team leaders and auditors), and the data
protection officer's export of chains with their hashes (auditors).

Both are scoped like the case page: the role is checked first (403 whatever the case), then the
case in the caller's scope (404 outside it, as for no case). Their own reads are audited like
every request: the case ids they showed go into their audit row, so looking at a case's log
leaves a link in that case's chain. The CPR number of the export is given in the POST body,
never in the URL, and is not echoed in any answer.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import Response
from pydantic import BaseModel

from api.audit import views
from api.cases.cpr import CprNumber
from api.cases.router import _case_in_scope as case_in_scope
from api.deps import UnitOfWork, Uow, require_roles

router = APIRouter(tags=["revision"])

VIEW_ROLES = ("team_leader", "auditor")
EXPORT_ROLES = ("auditor",)
NO_CASES = "Der er ingen sager at eksportere"


def case_audit(uow: UnitOfWork, case_id: uuid.UUID) -> dict[str, Any]:
    """The case's log for a leader or auditor; raises 403 for other roles, 404 out of scope."""
    require_roles(uow, *VIEW_ROLES)
    row = case_in_scope(uow, case_id)
    head = views.chain_head(uow.conn, row.id)
    return {
        "case_id": str(row.id),
        "case_number": row.case_number,
        "head": head,
        "shown": views.ENTRIES_SHOWN,
        "entries": views.case_entries(uow.conn, row.id, head),
    }


@router.get("/api/cases/{case_id}/audit")
def read_case_audit(case_id: uuid.UUID, uow: Uow) -> dict[str, Any]:
    """Hvem har set sagen: who read or changed the case, when and what, newest first."""
    result = case_audit(uow, case_id)
    uow.commit()
    return result


class ExportIn(BaseModel):
    # Strings checked by hand, so a refused value is never echoed in a validation error.
    case_id: str | None = None
    cpr: str | None = None
    format: str = "json"


def _cases(uow: UnitOfWork, data: ExportIn) -> list[uuid.UUID]:
    if (data.case_id is None) == (data.cpr is None):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY, detail="Angiv enten en sag eller et CPR-nummer"
        )
    if data.case_id is not None:
        try:
            case_id = uuid.UUID(data.case_id)
        except ValueError:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Sagen findes ikke") from None
        return [case_in_scope(uow, case_id).id]
    try:
        cpr = CprNumber(str(data.cpr))
    except ValueError:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY, detail="Ugyldigt CPR-nummer"
        ) from None
    found = views.cases_of_person(uow.conn, cpr.value, uow.principal.case_scope())
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NO_CASES)
    uow.touch(found)
    return found


@router.post("/api/audit/export")
def audit_export(data: ExportIn, uow: Uow) -> Response:
    """The chains of a case, or of every case of a child (by CPR in the body), in the caller's
    scope, as JSON or CSV with prev_hash and hash on every row, for independent verification."""
    require_roles(uow, *EXPORT_ROLES)
    if data.format not in ("json", "csv"):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail="Format: json eller csv")
    found = views.export(uow.conn, _cases(uow, data))
    uow.commit()
    if data.format == "csv":
        return Response(
            views.as_csv(found),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="revisionsspor.csv"'},
        )
    return Response(views.as_json(found), media_type="application/json")
