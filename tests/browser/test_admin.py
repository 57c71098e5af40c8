"""/administration: the municipality's administrator adds a closing day and restricts a case,
by keyboard, with the refusals shown at the field and what was typed kept."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from playwright.sync_api import expect

from api.calendar.holidays import WorkingCalendar
from tests.browser.cases import receive
from tests.browser.conftest import LogIn
from tests.harness.api import ApiClient

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "administration.png"


def future_weekday(days_ahead: int) -> date:
    day = datetime.now(UTC).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5 or day in WorkingCalendar().closed_days(day.year):
        day += timedelta(days=1)
    return day


def test_admin_adds_a_closing_day_by_keyboard(signed_in: LogIn, base_url: str) -> None:
    page = signed_in("admin")
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_contain_text("Administration")
    page.get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kommunens administration")

    day = future_weekday(60 + uuid.uuid4().int % 300)
    saturday = day + timedelta(days=5 - day.weekday())
    field = page.get_by_label("Ny lukkedag")
    field.fill(saturday.isoformat())
    field.press("Enter")
    expect(page.get_by_role("alert").first).to_contain_text("Ændringen er ikke gemt")
    expect(page.get_by_label("Ny lukkedag")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#lukkedag-date-error")).to_contain_text("Lørdage og søndage")
    expect(page.get_by_label("Ny lukkedag")).to_have_value(saturday.isoformat())

    page.get_by_label("Ny lukkedag").fill(day.isoformat())
    page.get_by_label("Ny lukkedag").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Lukkedagen er tilføjet")
    shown = day.strftime("%d.%m.%Y")
    expect(page.locator("#lukkedage-tabel")).to_contain_text(shown)
    expect(page.locator("#aendringer-tabel")).to_contain_text("Lukkedag tilføjet")
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    remove = page.get_by_role("button", name=f"Fjern lukkedagen {shown}")
    remove.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Lukkedagen er fjernet")
    expect(page.locator("#lukkedage-tabel")).not_to_contain_text(shown)


def test_admin_restricts_and_lifts_a_case(
    signed_in: LogIn, base_url: str, caseworker_api: ApiClient
) -> None:
    case_id = receive(caseworker_api)["case_id"]
    number = caseworker_api.get(f"/api/cases/{case_id}").json()["case_number"]
    page = signed_in("admin")
    page.goto("/administration#beskyttede")

    page.get_by_label("Sagsnummer").fill(number)
    page.get_by_label("Medarbejdere, der kan se sagen").fill("leader, ukendt")
    page.get_by_role("button", name="Beskyt sagen").click()
    expect(page.locator("#beskyt-users-error")).to_contain_text(
        "Ukendt brugernavn i kommunen: ukendt"
    )
    expect(page.locator("#beskyt-reason-error")).to_contain_text("Skriv begrundelsen")
    expect(page.get_by_label("Sagsnummer")).to_have_value(number)

    page.get_by_label("Medarbejdere, der kan se sagen").fill("leader")
    page.get_by_label("Begrundelse", exact=True).fill("Forælder er ansat i forvaltningen")
    page.get_by_role("button", name="Beskyt sagen").click()
    expect(page.get_by_role("status")).to_contain_text("Sagen er beskyttet")
    row = page.locator("#beskyttede-tabel tr").filter(has_text=number)
    expect(row).to_contain_text("leader")
    assert caseworker_api.get(f"/api/cases/{case_id}").status_code == 404

    row.get_by_label(f"Begrundelse for at ophæve {number}").fill("Forholdet er ophørt")
    row.get_by_role("button", name="Ophæv").click()
    expect(page.get_by_role("status")).to_contain_text("Beskyttelsen er ophævet")
    expect(page.locator("#beskyttede-tabel")).not_to_contain_text(number)
    assert caseworker_api.get(f"/api/cases/{case_id}").status_code == 200
    expect(page).to_have_url(re.compile(r"/administration\?besked=ophaevet#beskyttede$"))
