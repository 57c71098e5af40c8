"""Page sessions: the bearer token from the API's sign-in, kept in an HttpOnly cookie.

The token row (auth_token) is the server-side session: it expires with the token, and logging
out deletes it. Pages get the same principal and unit of work as the API (`api.deps`), so every
case read from a page is scoped and audited exactly like an API call. Form posts carry a CSRF
token derived from the session token (HMAC), in a hidden field or the X-CSRF-Token header.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, Response, status
from sqlalchemy import Engine

from api.auth.service import TOKEN_LIFETIME
from api.deps import UnitOfWork, get_engine, unit_of_work

COOKIE = "bs_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class LoginRequired(Exception):
    """A page was asked for without a valid session: the handler redirects to /log-ind."""


def set_session(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(TOKEN_LIFETIME.total_seconds()),
        httponly=True,
        # Secure when the app is served over https, also behind a TLS-terminating proxy.
        secure=request.url.scheme == "https"
        or request.app.state.settings.base_url.startswith("https://"),
        samesite="lax",
        path="/",
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


def session_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE) or None


def csrf_token(session: str) -> str:
    return hmac.new(session.encode(), b"csrf", hashlib.sha256).hexdigest()


def login_redirect(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/log-ind" if target == "/" else f"/log-ind?next={quote(target, safe='')}"


def get_page_uow(
    request: Request, engine: Annotated[Engine, Depends(get_engine)]
) -> Iterator[UnitOfWork]:
    yield from unit_of_work(request, engine, session_token(request), LoginRequired())


PageUow = Annotated[UnitOfWork, Depends(get_page_uow)]

CSRF_FAILED = "Siden er udløbet eller formularen kom ikke fra os. Genindlæs siden og prøv igen."


async def check_csrf(request: Request) -> None:
    """For every state-changing page request: the token from the form field or the header must
    match the session's. Checked before the unit of work opens, so a forged post touches nothing."""
    session = session_token(request)
    if not session:
        raise LoginRequired()
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, csrf_token(session)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=CSRF_FAILED)


Csrf = Depends(check_csrf)
