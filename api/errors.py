"""Values the database cannot store are the caller's error (422), not the server's (500).

PostgreSQL refuses some values only when a statement runs: a NUL character in a text field, a
number outside bigint, a date outside its range (SQLSTATE class 22, "data exception"). Pydantic
lets them through, so every endpoint would otherwise answer such a request with a 500 and a
traceback in the log. The request's transaction is rolled back (and audited, `api.deps`); the
caller gets a 422 in the app's usual shape (JSON for the API, a Danish page for a page).
The value itself is never logged: it may be personal data.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, HTTPException, Request, Response, status
from fastapi.exception_handlers import http_exception_handler
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

UNSTORABLE = (
    "Forespørgslen indeholder en værdi, der ikke kan gemmes (fx et NUL-tegn eller et for stort "
    "tal) / the request holds a value that cannot be stored"
)


def sqlstate(error: DataError) -> str | None:
    state: Any = getattr(error.orig, "sqlstate", None)
    return state if isinstance(state, str) else None


def unstorable() -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail=UNSTORABLE)


def install(app: FastAPI) -> None:
    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        structlog.get_logger("api").warning(
            "request.unstorable_value", sqlstate=sqlstate(exc), method=request.method
        )
        handler: Any = app.exception_handlers.get(StarletteHTTPException, http_exception_handler)
        response: Response = await handler(request, unstorable())
        return response
