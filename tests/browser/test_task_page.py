"""The task page in the browser: the form-js form, server validation at the field, drafts kept
on the server across a reload, a task taken meanwhile, and a keyboard-only completion."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import LogIn
from tests.browser.journey import (
    SCREENSHOTS,
    assignee_is,
    card,
    case_of,
    choose,
    new_underretning,
    open_task,
)
from tests.harness.api import ApiClient


def claimed_task_page(page: Page, api: ApiClient) -> tuple[dict, str]:
    """A fresh underretning's 24-hour task, claimed from the overview and opened."""
    received = new_underretning(api)
    task = open_task(api, received["case_id"])
    number = case_of(api, received["case_id"])["case_number"]
    page.goto("/")
    queued = card(page, re.compile("Teamets vagtkø"), number)
    queued.get_by_role("button", name=re.compile("Tag opgaven")).click()
    mine = card(page, re.compile("Mine opgaver"), number)
    mine.get_by_role("link", name="24-timers vurdering").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("24-timers vurdering")
    expect(page.locator("#task-form[data-ready=true]")).to_have_count(1)
    return task, number


def test_claim_fill_rejected_at_field_fix_and_complete(
    signed_in: LogIn, caseworker_api: ApiClient
) -> None:
    page = signed_in("caseworker")
    task, number = claimed_task_page(page, caseworker_api)
    page.get_by_label("Nej").check()
    page.get_by_label("Vurdering").fill("Kort")  # the server wants at least 10 characters
    choose(page, "Beslutning", "Luk med begrundelse")
    page.get_by_role("button", name="Afslut opgaven").click()
    expect(page.get_by_role("alert")).to_contain_text("Formularen er ikke udfyldt korrekt")
    field = page.locator(".fjs-form-field").filter(has=page.get_by_label("Vurdering"))
    expect(field.locator(".fjs-form-field-error")).to_contain_text("Mindst 10 tegn")
    expect(page.get_by_label("Vurdering")).to_be_focused()

    page.get_by_label("Vurdering").fill("Skolen beskriver et trygt barn i trivsel.")
    page.get_by_label("Vurdering").blur()  # leaving the field: the corrected field's error goes
    expect(field.locator(".fjs-form-field-error")).to_have_count(0)
    page.get_by_role("button", name="Afslut opgaven").click()
    expect(page).to_have_url(re.compile(r"/\?besked=afsluttet$"))
    expect(page.get_by_role("status")).to_contain_text("Opgaven er afsluttet")
    expect(card(page, re.compile("Mine opgaver"), number)).to_have_count(0)
    form = caseworker_api.get(f"/api/tasks/{task['id']}/form").json()
    assert form["status"] == "submitted"
    assert form["data"]["assessment"] == "Skolen beskriver et trygt barn i trivsel."


def test_draft_is_kept_on_the_server_and_restored_after_reload(
    signed_in: LogIn, caseworker_api: ApiClient
) -> None:
    page = signed_in("caseworker")
    task, _ = claimed_task_page(page, caseworker_api)
    # form-js's own words are Danish too: the empty choice, and its checks when leaving a field.
    expect(page.locator(".fjs-select-display")).to_have_text("Vælg")
    page.get_by_label("Vurdering").fill("Kort")
    page.get_by_label("Vurdering").blur()
    field = page.locator(".fjs-form-field").filter(has=page.get_by_label("Vurdering"))
    expect(field.locator(".fjs-form-field-error")).to_have_text("Mindst 10 tegn")
    page.get_by_label("Vurdering").fill("Halvfærdig vurdering af hjemmet")
    page.get_by_role("button", name="Gem udkast").click()
    expect(page.get_by_role("status")).to_contain_text("Udkastet er gemt")
    page.reload()
    expect(page.locator("#task-form[data-ready=true]")).to_have_count(1)
    expect(page.get_by_label("Vurdering")).to_have_value("Halvfærdig vurdering af hjemmet")
    expect(page.get_by_text("Dit gemte udkast er hentet")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "opgave.png"), full_page=True)
    # On the server, never in the browser's storage.
    stored = page.evaluate("() => [localStorage.length, sessionStorage.length]")
    assert stored == [0, 0]
    form = caseworker_api.get(f"/api/tasks/{task['id']}/form").json()
    assert form["status"] == "draft"
    assert form["data"]["assessment"] == "Halvfærdig vurdering af hjemmet"


def test_task_taken_by_someone_else_meanwhile(
    signed_in: LogIn, caseworker_api: ApiClient, leader_api: ApiClient
) -> None:
    page = signed_in("caseworker")
    task, _ = claimed_task_page(page, caseworker_api)
    page.get_by_label("Ja").check()
    # Meanwhile the leader takes it back and a colleague claims it.
    assert leader_api.post(f"/api/tasks/{task['id']}/unclaim").status_code == 200
    assignee_is(caseworker_api, task["id"], None)
    assert leader_api.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    assignee_is(caseworker_api, task["id"], "leader")
    page.get_by_role("button", name="Afslut opgaven").click()
    expect(page.get_by_role("alert")).to_contain_text("taget af en anden i mellemtiden")
    page.get_by_role("button", name="Gem udkast").click()
    expect(page.get_by_role("alert")).to_contain_text("taget af en anden i mellemtiden")
    # Opening it again says the same, without the form.
    page.reload()
    expect(page.get_by_text("taget af en anden i mellemtiden")).to_be_visible()
    expect(page.locator("#task-form")).to_have_count(0)
    assert caseworker_api.get(f"/api/tasks/{task['id']}/form").json()["status"] is None


def test_a_form_completed_with_the_keyboard_only(
    signed_in: LogIn, caseworker_api: ApiClient
) -> None:
    page = signed_in("caseworker")
    received = new_underretning(caseworker_api)
    task = open_task(caseworker_api, received["case_id"])
    number = case_of(caseworker_api, received["case_id"])["case_number"]
    page.goto("/")
    claim = card(page, re.compile("Teamets vagtkø"), number).get_by_role(
        "button", name=re.compile("Tag opgaven")
    )

    def tab_to(target: object, limit: int = 400) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("(el) => el === document.activeElement", target.element_handle()):  # type: ignore[attr-defined]
                return
        raise AssertionError("never reached by Tab")

    tab_to(claim)
    page.keyboard.press("Enter")
    link = card(page, re.compile("Mine opgaver"), number).get_by_role(
        "link", name="24-timers vurdering"
    )
    tab_to(link)
    page.keyboard.press("Enter")
    expect(page.locator("#task-form[data-ready=true]")).to_have_count(1)
    # A radio group is one tab stop; the arrow keys move between its choices.
    tab_to(page.get_by_label("Ja"))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Nej")).to_be_checked()
    tab_to(page.get_by_label("Vurdering"))
    page.keyboard.type("Barnet trives, skolen er ikke bekymret.")
    # form-js's select opens its list on focus; the arrows move to a choice, Enter picks it
    # (which choice the first arrow lands on depends on when the list got the focus).
    tab_to(page.get_by_label("Beslutning"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Beslutning")).to_have_value(re.compile(r"^(Luk|Afdækning)"))
    tab_to(page.get_by_role("button", name="Afslut opgaven"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/\?besked=afsluttet$"))
    assert caseworker_api.get(f"/api/tasks/{task['id']}/form").json()["status"] == "submitted"
