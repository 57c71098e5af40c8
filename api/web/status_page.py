"""/status: the public platform status page (no personal data, no session needed)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.platform.health import stack_health
from api.web.render import render

router = APIRouter(include_in_schema=False)


def _health(request: Request) -> dict[str, Any]:
    state = request.app.state
    return stack_health(state.settings, state.engine, state.redis)


@router.get("/status", response_class=HTMLResponse)
def status_page(request: Request, health: Annotated[dict[str, Any], Depends(_health)]) -> Any:
    parts = [
        ("Database", health["database"]["status"] == "UP"),
        ("Procesmotor (Zeebe)", health["broker"]["status"] == "UP"),
        ("Læsemodel", health["projector"]["status"] == "UP"),
    ]
    return render(request, "status.html", parts=parts)
