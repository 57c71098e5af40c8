"""/sager/{id}/adgang: "Hvem har set sagen", the case's audit log for team leaders and auditors.

The same data as GET /api/cases/{id}/audit (`api.audit.router.case_audit`): the role first (403
for every case alike), then the case in the caller's scope (404 outside it, as for no case). The
page's own read is audited like every request, with the case id, so it shows in the log too.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.audit.router import case_audit
from api.web.render import render
from api.web.session import PageUow

router = APIRouter(include_in_schema=False)


@router.get("/sager/{case_id}/adgang", response_class=HTMLResponse)
def case_audit_page(case_id: uuid.UUID, request: Request, uow: PageUow) -> Response:
    log = case_audit(uow, case_id)
    uow.commit()
    return render(request, "case/audit.html", uow.principal, log=log)
