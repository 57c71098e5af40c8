"""Search by CPR (a POST: the number never appears in a URL), name or case number, within what
the user may see."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect
from sqlalchemy import select

from api.audit.tables import audit_event
from tests.browser.cases import looked_up, new_cpr, receive, record_requests
from tests.browser.conftest import LogIn
from tests.harness.api import ApiClient
from tests.harness.platform import Platform


def search(page: Page, base_url: str, text: str) -> None:
    page.goto(f"{base_url}/soeg")
    page.get_by_label("CPR-nummer, navn eller sagsnummer").fill(text)
    page.get_by_role("button", name="Søg", exact=True).click()


def test_search_by_cpr_finds_the_case_and_the_cpr_is_never_in_a_url(
    signed_in: LogIn, base_url: str, caseworker_api: ApiClient, platform: Platform
) -> None:
    cpr = new_cpr()
    case_id = receive(caseworker_api, cpr)["case_id"]
    view = looked_up(caseworker_api, case_id)
    page = signed_in("caseworker")
    urls = record_requests(page)
    search(page, base_url, f"{cpr[:6]}-{cpr[6:]}")
    results = page.locator("#soegeresultat")
    expect(page.get_by_role("heading", name="1 sag fundet")).to_be_visible()
    expect(results).to_contain_text(view["child"]["name"])
    results.get_by_role("link", name=view["case_number"]).click()
    expect(page).to_have_url(f"{base_url}/sager/{case_id}")
    assert urls, "the request log recorded nothing"
    assert not [u for u in urls if cpr in u or cpr[:6] in u], urls
    # The search is audited with the case it found, the case page with the case it showed.
    with platform.db.connect() as conn:
        audited = conn.execute(
            select(audit_event.c.method, audit_event.c.path).where(
                audit_event.c.username == "caseworker",
                audit_event.c.case_ids.contains([uuid.UUID(case_id)]),
            )
        ).all()
    assert ("POST", "/soeg") in audited
    assert ("GET", f"/sager/{case_id}") in audited


def test_search_by_name_and_by_case_number(
    signed_in: LogIn, base_url: str, caseworker_api: ApiClient
) -> None:
    case_id = receive(caseworker_api)["case_id"]
    view = looked_up(caseworker_api, case_id)
    page = signed_in("caseworker")
    search(page, base_url, view["child"]["name"])
    expect(page.locator("#soegeresultat")).to_contain_text(view["case_number"])
    search(page, base_url, view["case_number"].lower())
    expect(page.get_by_role("heading", name="1 sag fundet")).to_be_visible()
    expect(page.locator("#soegeresultat")).to_contain_text(view["child"]["name"])


def test_another_municipality_finds_nothing(
    signed_in: LogIn, base_url: str, caseworker_api: ApiClient
) -> None:
    cpr = new_cpr()
    case_id = receive(caseworker_api, cpr)["case_id"]
    view = looked_up(caseworker_api, case_id)
    page = signed_in("caseworker2")
    for text in (cpr, view["case_number"], view["child"]["name"]):
        search(page, base_url, text)
        expect(page.get_by_role("heading", name="0 sager fundet")).to_be_visible()
        expect(page.get_by_text("Ingen sager, du har adgang til")).to_be_visible()


def test_a_malformed_cpr_is_refused_at_the_field(signed_in: LogIn, base_url: str) -> None:
    page = signed_in("caseworker")
    search(page, base_url, "320199-9912")
    field = page.get_by_label("CPR-nummer, navn eller sagsnummer")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#q-error")).to_contain_text("fødselsdato findes ikke")
    expect(field).to_have_value("320199-9912")
