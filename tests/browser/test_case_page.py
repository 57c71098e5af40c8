"""The case page: child and family from CPR, deadlines, chronology, a journal note by quick
entry; a protected address never shown; another municipality's case is a 404."""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import insert, select, update

from api.cases.tables import person
from api.testdata.cpr import PROTECTED_ADDRESS
from api.transfers.tables import transfer_out
from tests.browser.cases import looked_up, new_cpr, receive
from tests.browser.conftest import LogIn
from tests.harness.api import ApiClient
from tests.harness.platform import Platform

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "sag.png"


def test_case_page_shows_family_deadlines_and_chronology_and_takes_a_note(
    signed_in: LogIn, base_url: str, caseworker_api: ApiClient, platform: Platform
) -> None:
    cpr = new_cpr()
    case_id = receive(caseworker_api, cpr)["case_id"]
    view = looked_up(caseworker_api, case_id)
    child = view["child"]
    # A sibling known to the case store: another child of the same mother, with her own case.
    sibling_case = receive(caseworker_api)["case_id"]
    sibling = looked_up(caseworker_api, sibling_case)["child"]
    with platform.db.begin() as conn:
        data = conn.execute(select(person.c.cpr_data).where(person.c.cpr == sibling["cpr"])).one()
        conn.execute(
            update(person)
            .where(person.c.cpr == sibling["cpr"])
            .values(cpr_data={**data.cpr_data, "mother_cpr": child["mother_cpr"]})
        )

    page = signed_in("caseworker")
    page.goto(f"{base_url}/sager/{case_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(child["name"])
    expect(page.get_by_text(f"Sag {view['case_number']}")).to_be_visible()
    family = page.locator("#familie-tabel")
    mother = child["mother_cpr"]
    expect(family.get_by_role("row").filter(has_text="Mor")).to_contain_text(
        f"{mother[:6]}-{mother[6:]}"
    )
    expect(family.get_by_role("row").filter(has_text="Far")).to_contain_text("Ja")
    sibling_row = family.get_by_role("row").filter(has_text="Søskende")
    expect(sibling_row).to_contain_text(sibling["name"])
    expect(sibling_row.get_by_role("link")).to_have_attribute("href", f"/sager/{sibling_case}")
    # The address from CPR, as the child is not protected.
    expect(page.locator("#barn")).to_contain_text(child["address"]["postcode"])

    # The 24-hour assessment is the open deadline, with its legal basis.
    expect(page.locator("#aabne-frister")).to_contain_text("24-timers vurdering af underretning")
    expect(page.locator("#aabne-frister")).to_contain_text("BL § 136")
    chronology = page.locator("#kronologi-tabel")
    expect(chronology).to_contain_text("Underretning")
    expect(chronology).to_contain_text(re.compile(r"startet"))
    expect(page.locator("#processer-tabel")).to_contain_text("Kører")

    # A journal note by quick entry: the kind is the title; nothing else to type but the text.
    page.get_by_label("Type").select_option("Telefonsamtale")
    page.get_by_label("Emne (valgfrit)").fill("Mor ringede")
    note = "Mor fortæller, at familien har fået hjælp fra netværket."
    page.get_by_label("Notat", exact=True).fill(note)
    page.get_by_role("button", name="Gem notat").click()
    expect(page.get_by_role("status")).to_contain_text("Journalnotatet er gemt")
    expect(page.locator("#notater")).to_contain_text("Telefonsamtale: Mor ringede")
    expect(page.locator("#notater")).to_contain_text("hjælp fra netværket")
    expect(chronology).to_contain_text("Telefonsamtale: Mor ringede")
    expect(page.locator("#esdh")).to_contain_text("Telefonsamtale: Mor ringede")
    # For the README: the case page as a caseworker sees it (synthetic data).
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_an_empty_note_is_refused_at_the_field_and_keeps_what_was_chosen(
    signed_in: LogIn, base_url: str, caseworker_api: ApiClient
) -> None:
    case_id = receive(caseworker_api)["case_id"]
    page = signed_in("caseworker")
    page.goto(f"{base_url}/sager/{case_id}")
    page.get_by_label("Type").select_option("Hjemmebesøg")
    page.get_by_label("Emne (valgfrit)").fill("Besøg hos far")
    page.get_by_role("button", name="Gem notat").click()
    field = page.get_by_label("Notat", exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#tekst-error")).to_contain_text("Skriv notatet")
    expect(page.get_by_label("Type")).to_have_value("Hjemmebesøg")
    expect(page.get_by_label("Emne (valgfrit)")).to_have_value("Besøg hos far")
    expect(page.locator("#notater")).to_contain_text("Ingen journalnotater endnu")


def test_a_protected_address_is_never_shown(
    signed_in: LogIn, base_url: str, caseworker_api: ApiClient, platform: Platform
) -> None:
    case_id = receive(caseworker_api, PROTECTED_ADDRESS)["case_id"]
    looked_up(caseworker_api, case_id)
    with platform.db.connect() as conn:
        data = conn.execute(
            select(person.c.cpr_data).where(person.c.cpr == PROTECTED_ADDRESS)
        ).scalar_one()
    address = data["address"]
    assert data["address_protected"] and address["street_name"]

    page = signed_in("caseworker")
    page.goto(f"{base_url}/sager/{case_id}")
    expect(page.locator("#barn")).to_contain_text("Adressebeskyttelse: adressen vises ikke")
    content = page.content()
    for part in (address["street_name"], address.get("standard_address")):
        if part:
            assert part not in content


def test_another_municipality_gets_404_for_the_case(
    signed_in: LogIn, base_url: str, caseworker_api: ApiClient
) -> None:
    case_id = receive(caseworker_api)["case_id"]
    page = signed_in("caseworker2")
    response = page.goto(f"{base_url}/sager/{case_id}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Siden findes ikke")
    # Exactly as for a case that does not exist at all.
    missing = page.goto(f"{base_url}/sager/00000000-0000-4000-8000-000000000000")
    assert missing is not None and missing.status == 404


def test_a_case_handed_over_is_read_only_and_a_late_note_keeps_its_text(
    signed_in: LogIn, base_url: str, caseworker_api: ApiClient, platform: Platform
) -> None:
    case_id = receive(caseworker_api)["case_id"]
    page = signed_in("caseworker")
    page.goto(f"{base_url}/sager/{case_id}")
    # Meanwhile the flytning hands the case over to another municipality.
    with platform.db.begin() as conn:
        conn.execute(
            insert(transfer_out).values(
                id=uuid.uuid4(),
                case_id=case_id,
                process_instance_key="0",
                receiving_municipality_id="902",
                receiving_cvr="90200002",
                status="sent",
                handed_over_on=date.today(),
            )
        )
    note = "Skolen ringede om fravær i den sidste uge."
    page.get_by_label("Notat", exact=True).fill(note)
    page.get_by_role("button", name="Gem notat").click()
    expect(page.locator("#notat-fejl")).to_contain_text("overdraget til en anden kommune")
    expect(page.get_by_label("Notat", exact=True)).to_have_value(note)
    expect(page.locator("#notater")).to_contain_text("Ingen journalnotater endnu")

    page.goto(f"{base_url}/sager/{case_id}")
    expect(page.locator("#overdraget")).to_contain_text("kan kun læses")
    expect(page.get_by_role("button", name="Gem notat")).to_have_count(0)
