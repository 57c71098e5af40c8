"""Values the database cannot store are the caller's error (422), not the server's (500).

PostgreSQL refuses some values only when a statement runs: a NUL character in a text field, a
number outside bigint, a date outside its range (SQLSTATE class 22, "data exception"), and text
with a lone surrogate (JSON's "\\ud800") cannot even be encoded for it. Pydantic lets them
through, so every endpoint would otherwise answer such a request with a 500 and a traceback in
the log. The request's transaction is rolled back (and audited, `api.deps`); the caller gets a
422 in the app's usual shape (JSON for the API, a Danish page for a page). The value itself is
never logged: it may be personal data.

The database being unreachable (a refused or dropped connection: `OperationalError`) is not the
server's bug either: the caller gets a 503 saying so, and may try again.

A request that fails validation gets FastAPI's usual 422, which quotes the input; JSON with a
lone surrogate is then written with escapes (`SafeJSONResponse`) instead of failing to encode.
"""

from __future__ import annotations

import json
from typing import Any

import structlog
from fastapi import FastAPI, HTTPException, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

UNSTORABLE = (
    "Forespørgslen indeholder en værdi, der ikke kan gemmes (fx et NUL-tegn eller et for stort "
    "tal) / the request holds a value that cannot be stored"
)

DATABASE_DOWN = (
    "Databasen kan ikke nås lige nu; prøv igen om lidt / the database is unavailable, "
    "try again shortly"
)


def sqlstate(error: DataError) -> str | None:
    state: Any = getattr(error.orig, "sqlstate", None)
    return state if isinstance(state, str) else None


def unstorable() -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail=UNSTORABLE)


class SafeJSONResponse(JSONResponse):
    """UTF-8 JSON as usual; JSON escapes where a string holds a lone surrogate."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def install(app: FastAPI) -> None:
    async def unstorable_value(request: Request, exc: Exception) -> Response:
        state = sqlstate(exc) if isinstance(exc, DataError) else type(exc).__name__
        structlog.get_logger("api").warning(
            "request.unstorable_value", sqlstate=state, method=request.method
        )
        handler: Any = app.exception_handlers.get(StarletteHTTPException, http_exception_handler)
        response: Response = await handler(request, unstorable())
        return response

    async def database_unavailable(request: Request, exc: Exception) -> Response:
        structlog.get_logger("api").warning(
            "request.database_unavailable", error=type(exc).__name__, method=request.method
        )
        handler: Any = app.exception_handlers.get(StarletteHTTPException, http_exception_handler)
        response: Response = await handler(
            request, HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=DATABASE_DOWN)
        )
        return response

    app.add_exception_handler(DataError, unstorable_value)
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(UnicodeEncodeError, unstorable_value)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return SafeJSONResponse(
            {"detail": jsonable_encoder(exc.errors())},
            status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
