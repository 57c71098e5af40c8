"""The Content Security Policy in the browser: the bundles (form-js on the task page, bpmn-js and
form-js in the modeller) run under it without a single violation, and no page can be framed."""

from __future__ import annotations

import re

from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import LogIn
from tests.browser.test_modellering import open_underretning
from tests.browser.test_task_page import claimed_task_page
from tests.harness.api import ApiClient


def violations(page: Page) -> list[str]:
    seen: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            seen.append(message.text)

    page.on("console", on_console)
    return seen


def test_the_task_form_runs_under_the_csp(signed_in: LogIn, caseworker_api: ApiClient) -> None:
    page = signed_in("caseworker")
    seen = violations(page)
    claimed_task_page(page, caseworker_api)
    page.get_by_label("Vurdering").fill("Skolen beskriver et trygt barn i trivsel.")
    assert seen == []


def test_the_modeller_runs_under_the_csp(signed_in: LogIn) -> None:
    page = signed_in("analyst")
    seen = violations(page)
    page.goto("/modellering")
    open_underretning(page)
    assert seen == []


def test_pages_refuse_to_be_framed(signed_in: LogIn, base_url: str) -> None:
    page = signed_in("caseworker")
    response = page.goto(f"{base_url}/")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    page.set_content(f'<iframe id="f" src="{base_url}/"></iframe>')
    frame = page.frame_locator("#f")
    expect(frame.get_by_role("heading", level=1)).to_have_count(0)
    assert re.search(r"script-src 'self'(;|$)", csp)
