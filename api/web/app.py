"""Mounts the pages on the FastAPI app: routers, static files and the pages' error handling."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth.service import principal_for_token
from api.deps import get_engine
from api.tilbud import pages as tilbud_pages
from api.web import (
    admin_page,
    audit_page,
    auth_pages,
    budget_page,
    case_page,
    drift,
    figures_page,
    intake,
    leader,
    modellering,
    overview,
    search,
    status_page,
    task_page,
)
from api.web.render import HERE, render
from api.web.session import LoginRequired, login_redirect, session_token

# Every page router; a new page adds its router here.
ROUTERS = (
    auth_pages.router,
    status_page.router,
    overview.router,
    task_page.router,
    case_page.router,
    intake.router,
    search.router,
    leader.router,
    drift.router,
    modellering.router,
    admin_page.router,
    audit_page.router,
    budget_page.router,
    figures_page.router,
)

HEADINGS = {
    403: "Ingen adgang",
    404: "Siden findes ikke",
    409: "Opgaven er ændret",
    503: "Prøv igen om lidt",
}


def install(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
    tilbud_pages.install(app)
    (HERE / "static").mkdir(exist_ok=True)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(login_redirect(request), status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def page_errors(request: Request, exc: StarletteHTTPException) -> Response:
        """The API keeps its JSON errors; a page gets a Danish page with the message."""
        if request.url.path.startswith(("/api/", "/static/")) or not _wants_html(request):
            return await http_exception_handler(request, exc)
        principal = None
        token = session_token(request)
        if token:
            with get_engine(request).connect() as conn:
                principal = principal_for_token(conn, token)
        detail = exc.detail if isinstance(exc.detail, str) else "Der skete en fejl."
        return render(
            request,
            "error.html",
            principal,
            status_code=exc.status_code,
            heading=HEADINGS.get(exc.status_code, "Der skete en fejl"),
            message=detail,
        )


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")
