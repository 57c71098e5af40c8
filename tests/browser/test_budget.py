"""The budget page and the management figures on a seeded year of synthetic cases, grants
and payments (api.demo.synthetic) in a municipality of their own (904): a leader sets a
budget, drills down from a funktion to a child and its grants, and sees the figures' charts
drawn under the CSP, each with a CSV; finance downloads the DST expenditure file."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree
from playwright.sync_api import expect
from sqlalchemy.dialects.postgresql import insert

from adapters.dst.expenditure import schema
from api.auth.service import hash_password
from api.calendar.months import add_months
from api.calendar.working_days import COPENHAGEN
from api.demo.synthetic import seed_year
from api.figures.service import take_baseline_if_missing
from api.org.tables import app_user, municipality, org_unit, user_role
from tests.browser.conftest import LogIn
from tests.browser.test_security import violations
from tests.harness.platform import Platform

M = "904"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
UNIT = uuid.UUID("7a0d1b2c-3e4f-4a5b-8c6d-9e0f1a2b3c4d")


@pytest.fixture(scope="module")
def seeded(platform: Platform) -> dict[str, int]:
    today = datetime.now(COPENHAGEN).date()
    with platform.db.begin() as conn:
        conn.execute(insert(municipality).values(id=M, name="Demo Øst Kommune", cvr="90400004"))
        conn.execute(
            insert(org_unit).values(
                id=UNIT,
                municipality_id=M,
                name="Børne- og ungerådgivningen Øst",
                duty_group=f"{M}-modtagelse",
                leader_group=f"{M}-modtagelse-ledere",
            )
        )
        for username, role in (("leder-oest", "team_leader"), ("oekonomi-oest", "finance")):
            user = uuid.uuid5(UNIT, username)
            conn.execute(
                insert(app_user).values(
                    id=user,
                    username=username,
                    display_name=username,
                    municipality_id=M,
                    org_unit_id=UNIT,
                    password_hash=hash_password("demo"),
                )
            )
            conn.execute(insert(user_role).values(user_id=user, role=role))
        made = seed_year(conn, M, UNIT, children=60, today=today)
        assert take_baseline_if_missing(conn, M, add_months(today, -9))
    return made


def test_a_leader_sets_a_budget_and_drills_down_to_a_grant(
    signed_in: LogIn, seeded: dict[str, int]
) -> None:
    assert seeded["grants"] >= 60
    page = signed_in("leder-oest")
    seen = violations(page)
    page.goto("/budget")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Budget og prognose")
    table = page.locator("#budget-tabel")
    rows = table.locator("tbody tr[data-funktion]")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 3
    # Set the budget of 5.28.21 for the team.
    page.get_by_label("Funktion", exact=True).select_option("5.28.21")
    page.get_by_label("Budget (kr.)").fill("1.234.567,50")
    page.get_by_role("button", name="Gem budget").click()
    expect(page.get_by_role("status")).to_contain_text("Budgettet er gemt.")
    line = table.locator("tr[data-funktion='5.28.21']")
    expect(line.locator("[data-felt='budget']")).to_have_text("1.234.567,50")
    page.screenshot(path=str(SCREENSHOTS / "budget.png"), full_page=True)
    # An amount that is not one says so.
    page.get_by_label("Budget (kr.)").fill("en million")
    page.get_by_role("button", name="Gem budget").click()
    expect(page.get_by_role("alert")).to_contain_text("Budgettet skal være et beløb")

    # Drill down: funktion -> children -> one child's grants.
    page.locator("tr[data-funktion='5.28.21'] th a").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("5.28.21")
    children = page.locator("#boern-tabel tbody tr[data-sag]")
    expect(children.first).to_be_visible()
    first = children.first
    case_number = first.locator("th a").inner_text()
    assert case_number.startswith("SYN-904-")
    expect(first).to_contain_text("Syntetisk")
    first.locator("th a").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(case_number)
    grant = page.locator("section.bevilling").first
    expect(grant).to_be_visible()
    expect(grant).to_contain_text("Kontostreng 5.28.21")
    expect(grant.locator("tbody tr").first).to_be_visible()
    page.get_by_role("link", name="Til sagen").click()
    expect(page).to_have_url(re.compile(r"/sager/[0-9a-f-]{36}$"))
    assert seen == []


def test_the_figures_show_now_and_baseline_with_charts_and_csv(
    signed_in: LogIn, seeded: dict[str, int]
) -> None:
    page = signed_in("leder-oest")
    seen = violations(page)
    page.goto("/noegletal")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nøgletal og gevinster")
    comparison = page.locator("#sammenligning-tabel")
    expect(comparison.get_by_role("row").filter(has_text="Åbne sager")).to_be_visible()
    expect(page.locator("canvas[data-chart][data-drawn='true']")).to_have_count(5)
    page.screenshot(path=str(SCREENSHOTS / "noegletal.png"), full_page=True)
    with page.expect_download() as download:
        page.locator("a[href='/noegletal/csv/forbrug-pr-barn.csv']").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert text.splitlines()[0] == "Opgørelse;Indsatstype;Forbrug (kr.);Børn;Forbrug pr. barn (kr.)"
    assert any(line.startswith("Baseline;") for line in text.splitlines())
    assert seen == []


def test_finance_downloads_the_dst_expenditure_file(
    signed_in: LogIn, seeded: dict[str, int]
) -> None:
    page = signed_in("oekonomi-oest")
    page.goto("/noegletal")
    with page.expect_download() as download:
        page.get_by_role("button", name="Hent fil").click()
    root = etree.parse(download.value.path()).getroot()
    assert schema().validate(root)
    assert root.findtext("{https://boernesag.dk/schemas/dst/udgifter/1.0}Kommune") == M
