"""The analysts' modeler in the browser: open underretning.bpmn, add a service task from a
template, see the lint error live and the deploy's 422 at the element, fix it, deploy version 2."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Locator, Page, expect

from api.modeler.router import DEPLOYED_RECORD_PENDING
from tests.browser.conftest import LogIn

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "modellering.png"
# A straight flow of underretning.bpmn with room for a task (no overlap).
FLOW = "flow_no_genvurdering"
TEMPLATE = "Platform: ingenting"
# Opening, linting and deploying underretning.bpmn takes seconds on a loaded 2-core machine.
SLOW_MS = 30_000


def problems(page: Page, rule: str) -> Locator:
    return page.locator(f'[data-role=problems] [data-rule="{rule}"]')


def open_underretning(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Modellering")
    expect(page.locator("#modeler-app")).to_have_attribute("data-ready", "true", timeout=SLOW_MS)
    page.get_by_role("button", name="underretning.bpmn", exact=True).click()
    expect(page.locator('[data-element-id="lookup_child"]')).to_be_visible(timeout=SLOW_MS)
    expect(page.locator("[data-role=diff-summary]")).to_contain_text("udrullet")


def test_analyst_adds_a_templated_task_fixes_the_lint_and_deploys(
    signed_in: LogIn, base_url: str
) -> None:
    page = signed_in("analyst")
    expect(page).to_have_url(f"{base_url}/modellering")
    open_underretning(page)
    expect(page.get_by_text("Ingen problemer")).to_be_visible(timeout=SLOW_MS)

    # Select the flow, add the task from its Danish template.
    flow = page.locator(f'[data-element-id="{FLOW}"]')
    box = flow.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.get_by_role("button", name=TEMPLATE, exact=True).click()
    expect(page.locator("[data-role=status]")).to_contain_text(f"Tilføjet: {TEMPLATE}")

    # Live lint: the modeler's generated id breaks our readable-ids rule.
    readable = problems(page, "boernesag/readable-ids")
    expect(readable.first).to_be_visible(timeout=SLOW_MS)
    new_id = readable.first.get_attribute("data-element")
    assert new_id and re.match(r"^Activity_", new_id), new_id

    # The server refuses it too: 422, shown at the element.
    page.get_by_role("button", name="Udrul").click()
    expect(page.locator("[data-role=status]")).to_contain_text("Ikke udrullet", timeout=SLOW_MS)
    expect(page.locator(".deploy-problem-overlay").first).to_be_visible()
    expect(page.locator(f'[data-role=problems] [data-element="{new_id}"]').first).to_contain_text(
        "[udrulning]"
    )

    # Fix the id in the properties panel; the lint clears.
    properties = page.locator("[data-role=properties]")
    properties.get_by_text("General", exact=True).click()
    id_field = properties.get_by_label("ID", exact=True)
    id_field.fill("kvittering_noop_check")
    id_field.press("Tab")
    expect(readable).to_have_count(0, timeout=SLOW_MS)

    page.get_by_role("button", name="Udrul").click()
    expect(page.locator("[data-role=status]")).to_contain_text(
        "Udrullet: underretning v2", timeout=SLOW_MS
    )
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_a_deployment_the_database_could_not_record_is_not_called_undeployed(
    signed_in: LogIn,
) -> None:
    """The server's 503 after the engine accepted (api/modeler/router.py; the platform test
    test_deployments_database.py makes it for real): the page says it was deployed and that the
    record is pending, never "Ikke udrullet". The answer is the server's own shape and text,
    given here by the browser's route, so nothing is deployed."""
    page = signed_in("analyst")
    open_underretning(page)
    answer = {
        "deployment_key": "1",
        "deployed": [{"bpmn_process_id": "underretning", "version": 9, "key": "2"}],
        "decisions": [],
        "forms": [],
        "id": "00000000-0000-0000-0000-000000000000",
        "record": "pending",
        "detail": DEPLOYED_RECORD_PENDING,
    }
    page.route(
        "**/api/deployments",
        lambda route: (
            route.fulfill(status=503, json=answer)
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    page.get_by_role("button", name="Udrul").click()
    shown = page.locator("[data-role=status]")
    expect(shown).to_contain_text("Udrullet: underretning v9.", timeout=SLOW_MS)
    expect(shown).to_contain_text("registreringen står som afventende")
    expect(shown).not_to_contain_text("Ikke udrullet")


def test_a_form_opens_in_the_form_editor(signed_in: LogIn) -> None:
    page = signed_in("analyst")
    expect(page.locator("#modeler-app")).to_have_attribute("data-ready", "true", timeout=SLOW_MS)
    page.get_by_role("button", name="afdaekning.form", exact=True).click()
    expect(page.locator("[data-role=form-editor] .fjs-editor-container")).to_be_visible(
        timeout=SLOW_MS
    )
    expect(page.locator("[data-role=current]")).to_have_text("afdaekning.form")


def test_the_modeler_is_for_analysts_only(signed_in: LogIn, base_url: str) -> None:
    page = signed_in("caseworker")
    response = page.goto(f"{base_url}/modellering")
    assert response is not None and response.status == 403


def test_the_api_takes_the_page_session_only_with_csrf(base_url: str) -> None:
    """The page's cookie works for the modeler API, but a POST without the CSRF header is
    refused before anything is checked or deployed."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        login = http.post("/log-ind", data={"username": "analyst", "password": "demo"})
        assert login.status_code in (200, 303), login.text
        assert http.get("/api/modeler/processes").status_code == 200
        refused = http.post("/api/deployments", files=[("files", ("x.bpmn", b"<x/>"))])
        assert refused.status_code == 403
