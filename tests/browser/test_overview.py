"""Mit overblik in the browser: cards, claim and unclaim, filters and saved filters, reassign."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import delete, insert, select

from api.cases.tables import case
from api.org.tables import org_unit
from api.projector import tables as rm
from api.testdata.cpr import PROTECTED_ADDRESS
from tests.browser.conftest import LogIn
from tests.browser.journey import (
    SCREENSHOTS,
    assignee_is,
    card,
    case_of,
    new_underretning,
    open_task,
)
from tests.harness.api import ApiClient
from tests.harness.platform import Platform


def test_card_shows_child_case_deadline_basis_and_flags(
    signed_in: LogIn, caseworker_api: ApiClient
) -> None:
    first = new_underretning(caseworker_api, cpr=PROTECTED_ADDRESS)
    new_underretning(caseworker_api, cpr=PROTECTED_ADDRESS)  # a second report: gentagen bekymring
    task = open_task(caseworker_api, first["case_id"])
    the_case = case_of(caseworker_api, first["case_id"])
    child = the_case["child"]
    page = signed_in("caseworker")
    cards = (
        page.get_by_role("region", name=re.compile("Teamets vagtkø"))
        .locator("li.task-card")
        .filter(has_text=f"Sag {the_case['case_number']}")
    )
    expect(cards.first).to_be_visible()
    one = cards.first
    expect(one).to_contain_text("24-timers vurdering")
    expect(one).to_contain_text(f"{child['name']}, {child['age']} år")
    expect(one).to_contain_text("24-timers vurdering af underretning (BL § 136)")
    expect(one.locator(".flag")).to_have_text(["gentagen bekymring", "adressebeskyttelse"])
    # dd.mm.åååå kl. tt.mm
    expect(one).to_contain_text(re.compile(r"Frist: \d\d\.\d\d\.\d{4} kl\. \d\d\.\d\d"))
    assert task["due_at"]
    page.screenshot(path=str(SCREENSHOTS / "overblik.png"), full_page=True)


def test_claim_unclaim_and_saved_filters(signed_in: LogIn, caseworker_api: ApiClient) -> None:
    received = new_underretning(caseworker_api)
    task = open_task(caseworker_api, received["case_id"])
    number = case_of(caseworker_api, received["case_id"])["case_number"]
    page = signed_in("caseworker")
    queued = card(page, re.compile("Teamets vagtkø"), number)
    queued.get_by_role("button", name=re.compile("Tag opgaven")).click()
    expect(page.get_by_role("status")).to_contain_text("Opgaven er nu din")
    mine = card(page, re.compile("Mine opgaver"), number)
    expect(mine).to_be_visible()
    expect(card(page, re.compile("Teamets vagtkø"), number)).to_have_count(0)

    # Today's deadlines only; saved under a name, and used again from the list.
    page.get_by_label("Frist", exact=True).select_option("i_dag")
    page.get_by_role("button", name="Vis").click()
    expect(page).to_have_url(re.compile(r"frist=i_dag"))
    page.get_by_role("button", name="Gem filter").click()
    expect(page.locator("#navn-error")).to_have_text(re.compile("Giv filteret et navn"))
    page.get_by_label("Gem det viste filter som").fill("Frister i dag")
    page.get_by_role("button", name="Gem filter").click()
    expect(page.get_by_role("status")).to_contain_text("Filteret er gemt")
    page.goto(page.url.split("?")[0])
    page.get_by_role("link", name="Frister i dag").click()
    expect(page.get_by_label("Frist", exact=True)).to_have_value("i_dag")
    page.get_by_label("Frist", exact=True).select_option("overskredet")
    page.get_by_role("button", name="Vis").click()
    expect(card(page, re.compile("Mine opgaver"), number)).to_have_count(0)
    page.get_by_role("button", name="Slet filteret Frister i dag").click()
    expect(page.get_by_role("link", name="Frister i dag")).to_have_count(0)

    page.goto(page.url.split("?")[0])
    card(page, re.compile("Mine opgaver"), number).get_by_role(
        "button", name=re.compile("Læg tilbage i køen")
    ).click()
    expect(card(page, re.compile("Teamets vagtkø"), number)).to_be_visible()
    assignee_is(caseworker_api, task["id"], None)


def test_claim_of_a_task_someone_took_first_explains(
    signed_in: LogIn, caseworker_api: ApiClient, leader_api: ApiClient
) -> None:
    received = new_underretning(caseworker_api)
    task = open_task(caseworker_api, received["case_id"])
    number = case_of(caseworker_api, received["case_id"])["case_number"]
    page = signed_in("caseworker")
    queued = card(page, re.compile("Teamets vagtkø"), number)
    expect(queued).to_be_visible()
    assert leader_api.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    queued.get_by_role("button", name=re.compile("Tag opgaven")).click()
    expect(page.get_by_role("alert")).to_contain_text("allerede taget af en anden")


def test_leader_reassigns_a_task_to_a_colleague(
    signed_in: LogIn, caseworker_api: ApiClient
) -> None:
    received = new_underretning(caseworker_api)
    task = open_task(caseworker_api, received["case_id"])
    number = case_of(caseworker_api, received["case_id"])["case_number"]
    leader = signed_in("leader")
    queued = card(leader, re.compile("Teamets vagtkø"), number)
    queued.get_by_label("Tildel til").select_option(label="Mads Myndighed")
    queued.get_by_role("button", name=re.compile("^Tildel")).click()
    expect(leader.get_by_role("status")).to_contain_text("Opgaven er tildelt")
    assignee_is(caseworker_api, task["id"], "caseworker3")
    colleague = signed_in("caseworker3")
    expect(card(colleague, re.compile("Mine opgaver"), number)).to_be_visible()
    # A caseworker has no reassign control.
    expect(colleague.get_by_label("Tildel til")).to_have_count(0)


def seed_colleague_tasks(platform: Platform, case_id: str, count: int) -> int:
    """`count` open, overdue tasks of caseworker3 on the case, as the read model would hold
    them (synthetic keys); returns the instance key, to remove them again."""
    key = secrets.randbelow(2**60) + 2**61
    now = datetime.now(UTC)
    with platform.db.begin() as conn:
        unit = conn.execute(
            select(org_unit.c.duty_group)
            .join(case, case.c.org_unit_id == org_unit.c.id)
            .where(case.c.id == case_id)
        ).scalar_one()
        conn.execute(
            insert(rm.process_instance).values(
                process_instance_key=key,
                process_definition_key=key,
                bpmn_process_id="syntetisk_proces",
                version=1,
                state="ACTIVE",
                started_at=now,
                last_position=0,
                case_id=case_id,
            )
        )
        conn.execute(
            insert(rm.user_task),
            [
                {
                    "user_task_key": key + n,
                    "element_instance_key": key + n,
                    "process_instance_key": key,
                    "process_definition_key": key,
                    "bpmn_process_id": "syntetisk_proces",
                    "element_id": "syntetisk_opgave",
                    "assignee": "caseworker3",
                    "candidate_groups": [unit],
                    "candidate_users": [],
                    "custom_headers": {},
                    "due_date": (now - timedelta(days=400, minutes=n)).isoformat(),
                    "state": "CREATED",
                    "created_at": now,
                    "last_position": 0,
                }
                for n in range(1, count + 1)
            ],
        )
    return key


def test_leader_sees_the_colleagues_tasks_with_the_soonest_deadline_and_may_see_all(
    signed_in: LogIn, caseworker_api: ApiClient, platform: Platform
) -> None:
    received = new_underretning(caseworker_api)
    key = seed_colleague_tasks(platform, received["case_id"], 55)
    try:
        leader = signed_in("leader")
        team = leader.get_by_role("region", name=re.compile("Kollegers opgaver"))
        cards = team.locator("li.task-card")
        expect(cards).to_have_count(50)
        note = leader.locator("#kolleger-udvalg")
        expect(note).to_contain_text(re.compile(r"Viser 50 af \d"))
        total = int(re.sub(r"\D", "", note.inner_text().split(" af ")[1].split(",")[0]))
        assert total >= 55
        # The seeded tasks are the most overdue: every shown card is one of them, and the
        # overdue count counts all 55, not only the cards shown.
        expect(cards.filter(has_text="syntetisk_opgave")).to_have_count(50)
        overdue = leader.locator("#frist-tal a[href='/?frist=overskredet'] strong")
        assert int(overdue.inner_text()) >= 55
        note.get_by_role("link", name="Vis alle").click()
        expect(leader).to_have_url(re.compile(r"kolleger=alle"))
        expect(cards).to_have_count(total)
        expect(cards.filter(has_text="syntetisk_opgave")).to_have_count(55)
        expect(leader.locator("#kolleger-udvalg")).to_have_count(0)
    finally:
        with platform.db.begin() as conn:
            conn.execute(delete(rm.user_task).where(rm.user_task.c.process_instance_key == key))
            conn.execute(
                delete(rm.process_instance).where(rm.process_instance.c.process_instance_key == key)
            )
