"""The task page in the browser: the form-js form, server validation at the field, drafts kept
on the server across a reload (saved with the button, by themselves while typing, and when the
page is left), a failed save said and retried, a task taken or completed meanwhile, and a
keyboard-only completion."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, Request, Route, expect
from sqlalchemy import select

from api.audit.tables import audit_event
from tests.browser.conftest import LogIn, log_in
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
from tests.harness.platform import Platform
from tests.harness.waiting import eventually

# The auto-save's status line beside the buttons (aria-live polite).
DRAFT_SAVED = re.compile(r"^Udkast gemt kl\. \d{2}\.\d{2}$")
DRAFT_FAILED = "Udkastet kunne ikke gemmes \u2013 prøv igen"
DRAFT_STOPPED = "Udkastet gemmes ikke længere automatisk."
DRAFT_SIGNED_OUT = "Udkastet kunne ikke gemmes \u2013 du er ikke logget ind længere"
DRAFTS = "**/opgaver/*/udkast"


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


def draft_status(page: Page) -> Locator:
    return page.locator("#draft-status[aria-live=polite]")


def draft_posts(page: Page) -> list[str]:
    """The draft saves the page sends from now on (their bodies). Playwright does not see the
    keepalive request of a page being left: the audit log (`audited_saves`) does."""
    sent: list[str] = []

    def seen(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/udkast"):
            sent.append(request.post_data or "")

    page.on("request", seen)
    return sent


def audited_saves(platform: Platform, task_id: str) -> list[int]:
    """The draft saves the server received for the task (each one an audit row): their status."""
    with platform.db.connect() as conn:
        rows = conn.execute(
            select(audit_event.c.status_code)
            .where(
                audit_event.c.method == "POST",
                audit_event.c.path == f"/opgaver/{task_id}/udkast",
            )
            .order_by(audit_event.c.id)
        )
        return [int(code) for code in rows.scalars()]


def leaving_now(page: Page) -> str:
    """Fires `pagehide` on a page that stays: the status line just after says whether leaving
    started a save ("Gemmer udkast …") or not."""
    return str(
        page.evaluate(
            """() => {
                window.dispatchEvent(new Event("pagehide"));
                return document.getElementById("draft-status").textContent;
            }"""
        )
    )


def copenhagen_minute() -> str:
    return datetime.now(ZoneInfo("Europe/Copenhagen")).strftime("%H.%M")


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
    expect(draft_status(page)).to_have_text(DRAFT_SAVED)  # saved by itself, before the takeover
    # Meanwhile the leader takes it back and a colleague claims it.
    assert leader_api.post(f"/api/tasks/{task['id']}/unclaim").status_code == 200
    assignee_is(caseworker_api, task["id"], None)
    assert leader_api.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    assignee_is(caseworker_api, task["id"], "leader")
    # The next auto-save is refused: the clear message, and no more auto-saving.
    page.get_by_label("Vurdering").fill("Skrevet efter at kollegaen tog opgaven")
    expect(page.get_by_role("alert")).to_contain_text("taget af en anden i mellemtiden")
    expect(draft_status(page)).to_have_text(DRAFT_STOPPED)
    page.get_by_role("button", name="Afslut opgaven").click()
    expect(page.get_by_role("alert")).to_contain_text("taget af en anden i mellemtiden")
    page.get_by_role("button", name="Gem udkast").click()
    expect(page.get_by_role("alert")).to_contain_text("taget af en anden i mellemtiden")
    # Opening it again says the same, without the form.
    page.reload()
    expect(page.get_by_text("taget af en anden i mellemtiden")).to_be_visible()
    expect(page.locator("#task-form")).to_have_count(0)
    # The draft is what was saved before the takeover; nothing typed after it.
    form = caseworker_api.get(f"/api/tasks/{task['id']}/form").json()
    assert form["status"] == "draft"
    assert form["data"]["acute_risk"] == "yes"
    assert not form["data"].get("assessment")


def test_a_draft_saves_itself_while_typing_and_is_restored_after_reload(
    signed_in: LogIn, caseworker_api: ApiClient, platform: Platform
) -> None:
    page = signed_in("caseworker")
    task, _ = claimed_task_page(page, caseworker_api)
    sent = draft_posts(page)
    before = copenhagen_minute()
    page.get_by_label("Vurdering").fill("Skrevet uden at trykke på Gem udkast")
    expect(draft_status(page)).to_have_text(DRAFT_SAVED)
    shown = (draft_status(page).text_content() or "").rsplit(" ", 1)[-1]
    assert shown in {before, copenhagen_minute()}, shown  # tt.mm, Danish time
    assert len(sent) == 1  # one save after the pause, not one per key
    # Nothing new since the last save: neither a pause nor leaving sends again (each is audited).
    page.get_by_label("Vurdering").fill("Skrevet uden at trykke på Gem udkast")
    page.get_by_label("Vurdering").blur()
    assert DRAFT_SAVED.match(leaving_now(page))
    page.reload()
    expect(page.locator("#task-form[data-ready=true]")).to_have_count(1)
    expect(page.get_by_label("Vurdering")).to_have_value("Skrevet uden at trykke på Gem udkast")
    expect(page.get_by_text("Dit gemte udkast er hentet")).to_be_visible()
    expect(draft_status(page)).to_have_text("")
    assert len(sent) == 1
    assert audited_saves(platform, task["id"]) == [200]
    assert page.evaluate("() => [localStorage.length, sessionStorage.length]") == [0, 0]
    form = caseworker_api.get(f"/api/tasks/{task['id']}/form").json()
    assert form["status"] == "draft"
    assert form["data"]["assessment"] == "Skrevet uden at trykke på Gem udkast"


def test_a_draft_is_saved_when_the_tab_is_closed(
    signed_in: LogIn, caseworker_api: ApiClient, platform: Platform
) -> None:
    page = signed_in("caseworker")
    task, _ = claimed_task_page(page, caseworker_api)
    # No pause long enough to save, and the text still inside form-js's own typing delay: only
    # leaving the page keeps this.
    page.locator("#task-form").evaluate("(el) => { el.dataset.autosaveMs = '600000'; }")
    page.get_by_label("Vurdering").fill("Skrevet lige før fanen blev lukket")
    page.close(run_before_unload=True)

    def kept() -> bool:
        form = caseworker_api.get(f"/api/tasks/{task['id']}/form").json()
        return bool(form["data"].get("assessment") == "Skrevet lige før fanen blev lukket")

    eventually(kept, what="the draft sent as the tab closed")
    assert audited_saves(platform, task["id"]) == [200]


def test_a_draft_is_saved_when_the_tab_is_hidden_and_the_focus_stays(
    signed_in: LogIn, caseworker_api: ApiClient
) -> None:
    page = signed_in("caseworker")
    task, _ = claimed_task_page(page, caseworker_api)
    page.locator("#task-form").evaluate("(el) => { el.dataset.autosaveMs = '600000'; }")
    page.get_by_label("Vurdering").fill("Skrevet før der blev skiftet fane")
    # Another tab comes to the front (headless Chromium cannot hide a page itself).
    page.evaluate(
        """() => {
            const hidden = { value: "hidden", configurable: true };
            Object.defineProperty(document, "visibilityState", hidden);
            document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    expect(draft_status(page)).to_have_text(DRAFT_SAVED)
    expect(page.get_by_label("Vurdering")).to_be_focused()
    form = caseworker_api.get(f"/api/tasks/{task['id']}/form").json()
    assert form["data"]["assessment"] == "Skrevet før der blev skiftet fane"


def test_a_failed_draft_save_is_said_and_the_next_change_saves(
    signed_in: LogIn, caseworker_api: ApiClient
) -> None:
    page = signed_in("caseworker")
    task, _ = claimed_task_page(page, caseworker_api)
    answers = iter(["503", "unreachable"])

    def failing(route: Route) -> None:
        if next(answers, "503") == "503":
            route.fulfill(status=503, json={"detail": "Prøv igen om lidt"})
        else:
            route.abort("internetdisconnected")

    page.route(DRAFTS, failing)
    page.get_by_label("Vurdering").fill("Første forsøg")
    expect(draft_status(page)).to_have_text(DRAFT_FAILED)
    expect(draft_status(page)).to_have_attribute("data-state", "error")
    # The next change tries again; the server unreachable is said the same way.
    with page.expect_event("requestfailed", lambda r: r.url.endswith("/udkast")):
        page.get_by_label("Vurdering").fill("Andet forsøg, uden forbindelse")
    expect(draft_status(page)).to_have_text(DRAFT_FAILED)
    assert caseworker_api.get(f"/api/tasks/{task['id']}/form").json()["status"] is None
    page.unroute(DRAFTS)
    page.get_by_label("Vurdering").fill("Tredje forsøg går igennem")
    expect(draft_status(page)).to_have_text(DRAFT_SAVED)
    form = caseworker_api.get(f"/api/tasks/{task['id']}/form").json()
    assert form["data"]["assessment"] == "Tredje forsøg går igennem"


def test_a_task_completed_meanwhile_stops_the_auto_save(
    signed_in: LogIn, caseworker_api: ApiClient, platform: Platform
) -> None:
    page = signed_in("caseworker")
    task, _ = claimed_task_page(page, caseworker_api)
    page.get_by_label("Vurdering").fill("Første udkast af vurderingen")
    expect(draft_status(page)).to_have_text(DRAFT_SAVED)
    # Completed meanwhile, as from another tab.
    done = {"acute_risk": "no", "assessment": "Afsluttet i en anden fane.", "outcome": "close"}
    completed = caseworker_api.post(f"/api/tasks/{task['id']}/complete", done)
    assert completed.status_code == 204, completed.text
    page.get_by_label("Vurdering").fill("Skrevet efter afslutningen")
    expect(page.get_by_role("alert")).to_contain_text("afsluttet eller lukket i mellemtiden")
    expect(draft_status(page)).to_have_text(DRAFT_STOPPED)
    assert audited_saves(platform, task["id"]) == [200, 409]
    # Neither a later change nor leaving the page sends another.
    page.get_by_label("Vurdering").fill("Og endnu mere")
    assert leaving_now(page) == DRAFT_STOPPED
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mit overblik")
    assert audited_saves(platform, task["id"]) == [200, 409]
    form = caseworker_api.get(f"/api/tasks/{task['id']}/form").json()
    assert form["status"] == "submitted"
    assert form["data"]["assessment"] == "Afsluttet i en anden fane."


def test_signed_out_meanwhile_is_said_and_a_new_session_elsewhere_stops_the_auto_save(
    signed_in: LogIn, caseworker_api: ApiClient, base_url: str
) -> None:
    page = signed_in("caseworker")
    task, _ = claimed_task_page(page, caseworker_api)
    # The session is gone: the server sends the save to /log-ind, which is no success.
    page.context.clear_cookies()
    page.get_by_label("Vurdering").fill("Skrevet efter at sessionen udløb")
    expect(draft_status(page)).to_have_text(DRAFT_SIGNED_OUT)
    expect(draft_status(page)).to_have_attribute("data-state", "error")
    # Signed in again in another tab: this page's CSRF token is the old session's, and the
    # server's refusal (403) stops the auto-save with its own words.
    log_in(page.context.new_page(), base_url, "caseworker")
    page.get_by_label("Vurdering").fill("Skrevet efter at have logget ind igen")
    expect(page.get_by_role("alert")).to_contain_text("Genindlæs siden")
    expect(draft_status(page)).to_have_text(DRAFT_STOPPED)
    assert caseworker_api.get(f"/api/tasks/{task['id']}/form").json()["status"] is None


def test_a_draft_beyond_the_keepalive_limit_saves_itself_too(
    signed_in: LogIn, caseworker_api: ApiClient
) -> None:
    page = signed_in("caseworker")
    task, _ = claimed_task_page(page, caseworker_api)
    text = "En lang vurdering. " * 4000  # 76,000 characters: past keepalive's 64 KiB
    page.get_by_label("Vurdering").fill(text)
    expect(draft_status(page)).to_have_text(DRAFT_SAVED)
    form = caseworker_api.get(f"/api/tasks/{task['id']}/form").json()
    assert form["data"]["assessment"] == text


def test_completion_failing_at_the_engine_is_not_saved_again_as_a_draft(
    signed_in: LogIn, caseworker_api: ApiClient
) -> None:
    page = signed_in("caseworker")
    task, _ = claimed_task_page(page, caseworker_api)
    page.get_by_label("Vurdering").fill("Første udkast af vurderingen")
    expect(draft_status(page)).to_have_text(DRAFT_SAVED)
    sent = draft_posts(page)
    # The engine away (503): the server keeps the submission as a draft, so the page does not
    # send it once more; a later change is saved again.
    page.route(
        "**/opgaver/*/afslut",
        lambda route: route.fulfill(status=503, json={"message": "Prøv igen om lidt."}),
    )
    page.get_by_label("Vurdering").fill("Vurderingen som den blev sendt til afslutning")
    page.get_by_role("button", name="Afslut opgaven").click()
    expect(page.get_by_role("alert")).to_contain_text("Prøv igen om lidt")
    assert DRAFT_SAVED.match(leaving_now(page))
    assert sent == []
    with page.expect_response(lambda r: r.url.endswith("/udkast") and r.ok):
        page.get_by_label("Vurdering").fill("Rettet efter fejlen")
    expect(draft_status(page)).to_have_text(DRAFT_SAVED)
    assert len(sent) == 1
    form = caseworker_api.get(f"/api/tasks/{task['id']}/form").json()
    assert form["data"]["assessment"] == "Rettet efter fejlen"


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
