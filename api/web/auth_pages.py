"""/log-ind and /log-ud: the development users' password sign-in, as a page session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth.service import principal_for_token, sign_in, sign_out
from api.deps import get_engine
from api.web.render import home_for, render
from api.web.session import Csrf, clear_session, session_token, set_session

router = APIRouter(include_in_schema=False)

WRONG = "Forkert brugernavn eller adgangskode. Prøv igen."
MISSING = "Skriv både brugernavn og adgangskode."


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host (an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/log-ind", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(
        request,
        "login.html",
        next=_safe_next(next) or "",
        username="",
        error=None,
        dev_users=request.app.state.settings.dev_users,
    )


@router.post("/log-ind", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    settings = request.app.state.settings

    def again(error: str) -> Response:
        return render(
            request,
            "login.html",
            status_code=400 if error == MISSING else 401,
            next=_safe_next(next) or "",
            username=username,
            error=error,
            dev_users=settings.dev_users,
        )

    if not settings.dev_users:
        return again(WRONG)
    if not username.strip() or not password:
        return again(MISSING)
    with get_engine(request).begin() as conn:
        token = sign_in(conn, username=username.strip(), password=password)
        principal = principal_for_token(conn, token) if token else None
    if token is None or principal is None:
        return again(WRONG)
    response = RedirectResponse(_safe_next(next) or home_for(principal), status_code=303)
    set_session(response, request, token)
    return response


@router.post("/log-ud", dependencies=[Csrf])
def logout(request: Request) -> Response:
    token = session_token(request)
    if token:
        with get_engine(request).begin() as conn:
            sign_out(conn, token)
    response = RedirectResponse("/log-ind", status_code=303)
    clear_session(response)
    return response
