"""Request dependencies: the database transaction, the signed-in user, and the audit row.

Every request that reaches a handler runs in one transaction and ends with exactly one audit row
in it: who, which roles, which action, and every case id read or written (lists included).
FastAPI runs a dependency's teardown after the response has gone out, so the commit cannot live
there; handlers end with `uow.commit()`, and the teardown only rolls back what was not committed
and audits requests that failed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Connection, Engine, insert
from sqlalchemy.exc import DataError

from api.audit.tables import audit_event
from api.auth.principal import Principal
from api.auth.service import principal_for_token
from api.settings import Settings

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


class UnitOfWork:
    def __init__(self, conn: Connection, principal: Principal, request: Request) -> None:
        self.conn = conn
        self.principal = principal
        self.request = request
        self.case_ids: set[uuid.UUID] = set()
        self.committed = False

    @property
    def action(self) -> str:
        route = self.request.scope.get("route")
        return getattr(route, "name", "") or self.request.url.path

    def touch(self, case_ids: Iterable[uuid.UUID]) -> None:
        """Record cases this request read or wrote; they go into the audit row."""
        self.case_ids.update(case_ids)

    def audit_row(self, status_code: int) -> dict[str, object]:
        return {
            "user_id": self.principal.user_id,
            "username": self.principal.username,
            "roles": sorted(self.principal.roles),
            "municipality_id": self.principal.municipality_id,
            "action": self.action,
            "method": self.request.method,
            # PostgreSQL text cannot hold NUL, which a path may carry (%00): escaped here, so
            # the attempt is still audited.
            "path": self.request.url.path.replace("\x00", "\\x00"),
            "status_code": status_code,
            "case_ids": sorted(self.case_ids),
        }

    def commit(self, status_code: int = 200) -> None:
        self.conn.execute(insert(audit_event).values(**self.audit_row(status_code)))
        self.conn.commit()
        self.committed = True


def get_uow(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    token: Annotated[str | None, Depends(oauth2)],
) -> Iterator[UnitOfWork]:
    unauthenticated = HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail="Du er ikke logget ind / not signed in",
        headers={"WWW-Authenticate": "Bearer"},
    )
    yield from unit_of_work(request, engine, token, unauthenticated)


def unit_of_work(
    request: Request, engine: Engine, token: str | None, unauthenticated: Exception
) -> Iterator[UnitOfWork]:
    """The one transaction and audit row per request, for the API (bearer header) and the
    pages (session cookie) alike; `unauthenticated` is raised for a missing or unknown token."""
    if not token:
        raise unauthenticated
    with engine.connect() as conn:
        principal = principal_for_token(conn, token)
        conn.commit()
        if principal is None:
            raise unauthenticated
        uow = UnitOfWork(conn, principal, request)
        try:
            yield uow
        except HTTPException as exc:
            conn.rollback()
            # The attempt is audited too, without the rolled-back case ids it never got to see.
            uow.case_ids.clear()
            uow.commit(exc.status_code)
            raise
        except (DataError, UnicodeEncodeError):
            # A value the database cannot store: the caller's error, answered 422 (api.errors).
            conn.rollback()
            uow.case_ids.clear()
            uow.commit(status.HTTP_422_UNPROCESSABLE_ENTITY)
            raise
        except Exception:
            conn.rollback()
            uow.case_ids.clear()
            uow.commit(500)
            raise
        if not uow.committed:
            conn.rollback()


Uow = Annotated[UnitOfWork, Depends(get_uow)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def require_roles(uow: UnitOfWork, *roles: str) -> None:
    if not uow.principal.has(*roles):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="Din rolle giver ikke adgang / role not allowed"
        )
