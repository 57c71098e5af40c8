"""Cases for the browser tests, set up through the JSON API as the intake would receive them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import Page, Request

from api.testdata.cpr import synthetic_cpr
from tests.harness.api import ApiClient
from tests.harness.waiting import eventually


def new_cpr() -> str:
    return synthetic_cpr(uuid.uuid4().hex)


def receive(api: ApiClient, cpr: str | None = None, **overrides: Any) -> dict[str, Any]:
    """An underretning about the child with this CPR (a new synthetic one by default)."""
    body: dict[str, Any] = {
        "child_cpr": cpr or new_cpr(),
        "received_at": datetime.now(UTC).isoformat(),
        "reporter_type": "professional",
        "reporter_organisation": "Solsikken Børnehave",
        "concern": "Barnet kommer ofte sultent og uden madpakke i børnehave.",
    }
    body.update(overrides)
    response = api.post("/api/underretninger", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def looked_up(api: ApiClient, case_id: str) -> dict[str, Any]:
    """The case once CPR has answered for the child (the process's first step)."""

    def found() -> dict[str, Any] | None:
        view = api.get(f"/api/cases/{case_id}").json()
        return view if view["child"]["cpr_status"] == "found" else None

    return eventually(found, what=f"CPR lookup on case {case_id}")


def open_task(api: ApiClient, case_id: str, name: str) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        tasks = api.get("/api/tasks", case_id=case_id).json()
        return next((t for t in tasks if t["name"] == name), None)

    return eventually(find, what=f"task {name!r} on case {case_id}")


def record_requests(page: Page) -> list[str]:
    """Every URL the page asks for from now on (navigation, forms, assets)."""
    urls: list[str] = []

    def note(request: Request) -> None:
        urls.append(request.url)

    page.on("request", note)
    return urls
