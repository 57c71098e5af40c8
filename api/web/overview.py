"""/ Mit overblik: my tasks, the team's duty queue and the deadlines."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.tasks import service
from api.web.render import home_for, render
from api.web.session import PageUow

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, uow: PageUow) -> Response:
    principal = uow.principal
    if not principal.has("caseworker", "team_leader"):
        uow.commit()
        home = home_for(principal)
        if home != "/":
            return RedirectResponse(home, status_code=303)
        return render(request, "no_pages.html", principal)
    mine = service.list_tasks(uow.conn, principal, assignee=principal.username)
    uow.touch(t.case_id for t in mine)
    uow.commit()
    return render(request, "overview.html", principal, mine=mine)
