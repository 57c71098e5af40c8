"""/log-ind and /log-ud: the sign-in page (SSO, and in development the demo users' passwords,
rate-limited per user name and address) and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import ratelimit
from api.auth.service import principal_for_token, sign_in, sign_out
from api.deps import get_engine
from api.sso.config import sso_configured
from api.sso.logout import logout_url
from api.web.render import home_for, render
from api.web.session import Csrf, clear_session, session_token, set_session

router = APIRouter(include_in_schema=False)

WRONG = "Forkert brugernavn eller adgangskode. Prøv igen."
MISSING = "Skriv både brugernavn og adgangskode."
NO_PASSWORDS = "Adgangskoder bruges ikke her; log ind med SSO."


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host (an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/log-ind", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(
        request,
        "login.html",
        next=safe_next(next) or "",
        username="",
        error=None,
        dev_users=request.app.state.settings.dev_users,
        sso=sso_configured(request.app.state.settings),
    )


@router.post("/log-ind", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    settings = request.app.state.settings

    def again(error: str, code: int = 401) -> Response:
        return render(
            request,
            "login.html",
            status_code=code,
            next=safe_next(next) or "",
            username=username,
            error=error,
            dev_users=settings.dev_users,
            sso=sso_configured(settings),
        )

    if not settings.dev_users:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NO_PASSWORDS)
    if not username.strip() or not password:
        return again(MISSING, 400)
    redis, address = request.app.state.redis, request.client.host if request.client else ""
    if ratelimit.blocked(redis, settings, username, address):
        return again(ratelimit.message(settings), 429)
    with get_engine(request).begin() as conn:
        token = sign_in(conn, username=username.strip(), password=password)
        principal = principal_for_token(conn, token) if token else None
    if token is None or principal is None:
        ratelimit.failed(redis, settings, username, address)
        return again(WRONG)
    ratelimit.succeeded(redis, username, address)
    response = RedirectResponse(safe_next(next) or home_for(principal), status_code=303)
    set_session(response, request, token)
    return response


@router.post("/log-ud", dependencies=[Csrf])
def logout(request: Request) -> Response:
    token = session_token(request)
    target = "/log-ind"
    if token:
        with get_engine(request).begin() as conn:
            sign_out(conn, token)
        # An SSO session ends at the IdP too, which sends the browser back to /saml/logout.
        target = logout_url(request, token) or target
    response = RedirectResponse(target, status_code=303)
    clear_session(response)
    return response
