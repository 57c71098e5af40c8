"""Setting up cases and tasks for browser tests through the JSON API (never the engine client:
Playwright's loop runs in the test thread)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page

from api.testdata.cpr import synthetic_cpr
from tests.harness.api import ApiClient
from tests.harness.waiting import eventually

ASSESSMENT_TASK = "24-timers vurdering"
# Taken by the tests, shown in the README.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def new_underretning(api: ApiClient, cpr: str | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "child_cpr": cpr or synthetic_cpr(uuid.uuid4().hex),
        "received_at": datetime.now(UTC).isoformat(),
        "reporter_type": "private",
        "concern": "Naboen hører ofte råb og gråd om natten.",
        **overrides,
    }
    response = api.post("/api/underretninger", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def open_task(api: ApiClient, case_id: str, name: str = ASSESSMENT_TASK) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        tasks = api.get("/api/tasks", case_id=case_id).json()
        return next((t for t in tasks if t["name"] == name), None)

    return eventually(find, what=f"task {name!r} on case {case_id}")


def assignee_is(api: ApiClient, task_id: str, username: str | None) -> None:
    def check() -> bool:
        form = api.get(f"/api/tasks/{task_id}/form").json()
        return form["task"]["assignee"] == username

    eventually(check, what=f"task {task_id} assigned to {username}")


def case_of(api: ApiClient, case_id: str) -> dict[str, Any]:
    response = api.get(f"/api/cases/{case_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def card(page: Page, section: str, case_number: str) -> Locator:
    """The task card for a case in one overview section ("Mine opgaver", "Teamets vagtkø")."""
    region = page.get_by_role("region", name=section)
    return region.locator("li.task-card").filter(has_text=f"Sag {case_number}")


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option in a form-js select (its own dropdown, not a native <select>)."""
    page.get_by_label(label).focus()
    page.locator(".fjs-dropdownlist-item", has_text=option).click()
