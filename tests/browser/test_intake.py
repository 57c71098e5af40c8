"""A new underretning: the child is found by CPR first (a POST), an existing case and earlier
reports show before anything is saved, and an unborn child is received on the mother's CPR."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from api.audit.tables import audit_event
from api.cases.tables import underretning
from api.testdata.cpr import NOT_FOUND, PROTECTED_ADDRESS, TECHNICAL_FAULT
from tests.browser.cases import looked_up, new_cpr, receive, record_requests
from tests.browser.conftest import LogIn
from tests.harness.api import ApiClient
from tests.harness.platform import Platform


def reports_on(platform: Platform, case_id: str) -> int:
    with platform.db.connect() as conn:
        return int(
            conn.execute(select(func.count()).where(underretning.c.case_id == case_id)).scalar_one()
        )


def cpr_lookups_from_the_page(platform: Platform) -> int:
    with platform.db.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(
                    audit_event.c.action == "adapter.sf1520.PersonLookup",
                    audit_event.c.path == "page:underretning-find",
                )
            ).scalar_one()
        )


def find(page: Page, base_url: str, cpr: str, unborn: bool = False) -> None:
    page.goto(f"{base_url}/underretninger/ny")
    if unborn:
        page.get_by_label("Et ufødt barn (moderens CPR-nummer)").check()
    page.get_by_label("CPR-nummer", exact=True).fill(cpr)
    page.get_by_role("button", name="Find barnet").click()


def test_an_existing_child_shows_the_case_and_earlier_reports_before_saving(
    signed_in: LogIn, base_url: str, caseworker_api: ApiClient, platform: Platform
) -> None:
    cpr = new_cpr()
    case_id = receive(caseworker_api, cpr)["case_id"]
    view = looked_up(caseworker_api, case_id)
    page = signed_in("caseworker")
    urls = record_requests(page)
    find(page, base_url, f"{cpr[:6]}-{cpr[6:]}")

    existing = page.locator("#eksisterende-sag")
    expect(existing).to_contain_text("Barnet har allerede en sag")
    expect(existing.get_by_role("link", name=view["case_number"])).to_have_attribute(
        "href", f"/sager/{case_id}"
    )
    expect(page.locator("#barnets-cpr")).to_contain_text(view["child"]["name"])
    earlier = page.locator("#tidligere-underretninger")
    expect(earlier).to_contain_text("Barnet kommer ofte sultent")
    expect(earlier).to_contain_text("Fagperson")
    # Nothing saved yet.
    assert reports_on(platform, case_id) == 1

    page.get_by_label("Privatperson").check()
    page.get_by_label("Bekymringen").fill("Naboen hører råb og gråd fra lejligheden om natten.")
    page.get_by_role("button", name="Modtag underretning").click()
    expect(page).to_have_url(re.compile(rf"/sager/{case_id}"))
    expect(page.get_by_role("status")).to_contain_text("Underretningen er modtaget")
    assert reports_on(platform, case_id) == 2
    assert not [u for u in urls if cpr in u or cpr[:6] in u]


def test_a_rejected_report_keeps_what_was_typed_and_marks_the_fields(
    signed_in: LogIn, base_url: str
) -> None:
    page = signed_in("caseworker")
    find(page, base_url, new_cpr())
    expect(page.locator("#ingen-sag")).to_be_visible()
    page.get_by_label("Fagperson", exact=True).check()
    page.get_by_label("Bekymringen").fill("For kort")
    page.get_by_label("Arbejdspladsens CVR-nummer (kvittering med Digital Post)").fill("123")
    page.get_by_role("button", name="Modtag underretning").click()
    expect(page.get_by_role("alert")).to_contain_text("Underretningen er ikke gemt")
    expect(page.get_by_label("Arbejdsplads (fagperson)")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#bekymring-error")).to_contain_text("mindst 10 tegn")
    expect(page.locator("#cvr-error")).to_contain_text("8 cifre")
    expect(page.get_by_label("Bekymringen")).to_have_value("For kort")


def test_a_malformed_cpr_number_is_refused_at_the_field(signed_in: LogIn, base_url: str) -> None:
    page = signed_in("caseworker")
    find(page, base_url, "12345")
    expect(page.get_by_label("CPR-nummer", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#cpr-error")).to_contain_text("10 cifre")
    expect(page.get_by_label("CPR-nummer", exact=True)).to_have_value("12345")


def test_an_unborn_child_is_received_on_the_mothers_cpr(
    signed_in: LogIn, base_url: str, platform: Platform
) -> None:
    mother = new_cpr()
    page = signed_in("caseworker")
    urls = record_requests(page)
    find(page, base_url, mother, unborn=True)
    expect(page.get_by_role("heading", name="Ufødt barn")).to_be_visible()
    expect(page.locator("#barnets-cpr")).to_contain_text("Moderens CPR-nummer")
    expect(page.locator("#ingen-sag")).to_be_visible()
    page.get_by_label("Forventet termin (valgfrit)").fill("2027-01-15")
    page.get_by_label("Fagperson", exact=True).check()
    page.get_by_label("Arbejdsplads (fagperson)").fill("Jordemoderkonsultationen")
    page.get_by_label("Bekymringen").fill("Den gravide mor fortæller om et aktivt misbrug.")
    page.get_by_role("button", name="Modtag underretning").click()
    expect(page).to_have_url(re.compile(r"/sager/[0-9a-f-]{36}"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ufødt barn")
    expect(page.locator("#barn")).to_contain_text("termin 15.01.2027")
    case_path = page.url.removeprefix(base_url).split("?")[0]

    # The next report on the same mother finds the unborn child's case before saving.
    find(page, base_url, mother, unborn=True)
    link = page.locator("#eksisterende-sag").get_by_role("link")
    expect(link).to_have_attribute("href", case_path)
    expect(page.locator("#tidligere-underretninger")).to_contain_text("aktivt misbrug")
    assert not [u for u in urls if mother in u or mother[:6] in u]


def test_a_new_child_is_looked_up_in_cpr_before_saving(
    signed_in: LogIn, base_url: str, caseworker_api: ApiClient, platform: Platform
) -> None:
    """The name and age come from CPR on the find step, with an audit row for the call; the case
    the intake then makes knows the same child."""
    cpr = new_cpr()
    page = signed_in("caseworker")
    urls = record_requests(page)
    before = cpr_lookups_from_the_page(platform)
    find(page, base_url, cpr)
    expect(page.locator("#ingen-sag")).to_be_visible()
    shown = page.locator("#barnets-cpr")
    expect(shown).to_contain_text(re.compile(r"· \S.*, \d+ år"))
    expect(page.locator("#cpr-status")).to_have_count(0)
    assert cpr_lookups_from_the_page(platform) == before + 1
    page.get_by_label("Privatperson").check()
    page.get_by_label("Bekymringen").fill("Naboen hører råb og gråd fra lejligheden om natten.")
    page.get_by_role("button", name="Modtag underretning").click()
    expect(page).to_have_url(re.compile(r"/sager/[0-9a-f-]{36}"))
    case_id = page.url.removeprefix(base_url).split("?")[0].removeprefix("/sager/")
    child = looked_up(caseworker_api, case_id)["child"]
    assert f"· {child['name']}, {child['age']} år" in shown_text(page, base_url, cpr)
    assert not [u for u in urls if cpr in u or cpr[:6] in u]


def shown_text(page: Page, base_url: str, cpr: str) -> str:
    find(page, base_url, cpr)
    return page.locator("#barnets-cpr").inner_text()


def test_cpr_not_knowing_the_number_or_not_answering_does_not_stop_the_intake(
    signed_in: LogIn, base_url: str
) -> None:
    page = signed_in("caseworker")
    find(page, base_url, NOT_FOUND)
    expect(page.locator("#cpr-status")).to_contain_text("CPR kender ikke nummeret")
    expect(page.get_by_role("button", name="Modtag underretning")).to_be_enabled()

    find(page, base_url, PROTECTED_ADDRESS)
    expect(page.locator("#cpr-status")).to_contain_text("adressebeskyttelse")

    # (Not received here: the case's own CPR job would fail into an incident.)
    find(page, base_url, TECHNICAL_FAULT)
    expect(page.locator("#cpr-status")).to_contain_text("CPR svarer ikke lige nu")
    expect(page.get_by_role("button", name="Modtag underretning")).to_be_enabled()
