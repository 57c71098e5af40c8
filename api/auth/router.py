"""POST /api/auth/token: OAuth2 password sign-in for the development users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from api.auth import ratelimit
from api.auth.service import sign_in
from api.deps import Uow

router = APIRouter(prefix="/api/auth", tags=["log ind"])


@router.post("/token")
def issue_token(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> dict[str, str]:
    settings = request.app.state.settings
    if not settings.dev_users:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail="Adgangskoder bruges ikke her; log ind med SSO"
        )
    redis, address = request.app.state.redis, request.client.host if request.client else ""
    if ratelimit.blocked(redis, settings, form.username, address):
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, detail=ratelimit.message(settings))
    with request.app.state.engine.begin() as conn:
        token = sign_in(conn, username=form.username, password=form.password)
    if token is None:
        ratelimit.failed(redis, settings, form.username, address)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Forkert brugernavn eller adgangskode / wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    ratelimit.succeeded(redis, form.username, address)
    return {"access_token": token, "token_type": "bearer"}


@router.get("/me")
def who_am_i(uow: Uow) -> dict[str, Any]:
    p = uow.principal
    uow.commit()
    return {
        "username": p.username,
        "display_name": p.display_name,
        "municipality_id": p.municipality_id,
        "org_unit_id": str(p.org_unit_id),
        "roles": sorted(p.roles),
        "kle": sorted(p.kle),
    }
