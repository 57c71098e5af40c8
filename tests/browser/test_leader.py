"""The leader's page: caseload, Børnesagsbarometer compliance, breaches, and reassignment of
one task or of every open task of an absent colleague."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import insert, select

from api.auth.principal import Principal
from api.cases.tables import advis, case, form_document
from api.demo.seed import unit_id, user_id
from api.projector import tables as rm
from api.web.compliance import figures, gather
from tests.browser.cases import open_task, receive
from tests.browser.conftest import LogIn
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.waiting import eventually

ASSESSMENT = "24-timers vurdering"


def assignee_of(api: ApiClient, case_id: str) -> str | None:
    tasks = api.get("/api/tasks", case_id=case_id).json()
    found: str | None = next(t["assignee"] for t in tasks if t["name"] == ASSESSMENT)
    return found


def assigned(api: ApiClient, case_id: str, username: str) -> None:
    eventually(lambda: assignee_of(api, case_id) == username, what=f"{username} has the task")


def test_leader_sees_caseload_and_compliance_and_reassigns_a_task(
    signed_in: LogIn, base_url: str, caseworker_api: ApiClient, leader_api: ApiClient
) -> None:
    case_id = receive(caseworker_api)["case_id"]
    task = open_task(caseworker_api, case_id, ASSESSMENT)
    assert caseworker_api.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    assigned(leader_api, case_id, "caseworker")

    page = signed_in("leader")
    page.goto(f"{base_url}/leder")
    load = page.locator("#belastning-tabel").get_by_role("row").filter(has_text="Rikke Rådgiver")
    expect(load).to_be_visible()
    assert int(load.locator("td").first.inner_text()) >= 1
    compliance = page.locator("#overholdelse-tabel")
    for key in ("bfu", "samtale", "plan", "opfoelgning"):
        expect(compliance.locator(f"tr[data-maal='{key}']")).to_be_visible()
    expect(compliance).to_contain_text("Børnefaglig undersøgelse inden for 4 måneder")
    expect(page.locator("#overskridelser-tabel")).to_be_visible()

    page.get_by_label(f"Tildel {ASSESSMENT} på sag").first.wait_for()
    select = page.locator(f"#tildel-{task['id']}")
    select.select_option("caseworker3")
    page.locator(f"form[action='/leder/opgaver/{task['id']}/tildel']").get_by_role(
        "button", name="Tildel"
    ).click()
    expect(page.get_by_role("status")).to_contain_text("Opgaven er tildelt")
    # The page the leader comes back to already shows the new assignee.
    row = page.locator("#opgaver-tabel tr").filter(has=page.locator(f"#tildel-{task['id']}"))
    expect(row.locator("td").nth(3)).to_have_text("Mads Myndighed")
    assigned(leader_api, case_id, "caseworker3")


def test_cover_moves_every_open_task_of_an_absent_colleague(
    signed_in: LogIn, base_url: str, leader_api: ApiClient, caseworker_api: ApiClient
) -> None:
    cases = [receive(caseworker_api)["case_id"] for _ in range(2)]
    for case_id in cases:
        task = open_task(caseworker_api, case_id, ASSESSMENT)
        assert caseworker_api.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    for case_id in cases:
        assigned(leader_api, case_id, "caseworker")

    page = signed_in("leader")
    page.goto(f"{base_url}/leder")
    page.get_by_label("Flyt alle åbne opgaver fra").select_option("caseworker")
    page.get_by_label("til", exact=True).select_option("caseworker3")
    page.get_by_role("button", name="Flyt opgaverne").click()
    expect(page.get_by_role("status")).to_contain_text("De åbne opgaver er flyttet")
    for case_id in cases:
        assigned(leader_api, case_id, "caseworker3")
    mine = caseworker_api.get("/api/tasks", assignee="caseworker").json()
    assert not [t for t in mine if t["case_id"] in cases]


def test_cover_from_and_to_the_same_colleague_is_refused(signed_in: LogIn, base_url: str) -> None:
    page = signed_in("leader")
    page.goto(f"{base_url}/leder")
    page.get_by_label("Flyt alle åbne opgaver fra").select_option("caseworker")
    page.get_by_label("til", exact=True).select_option("caseworker")
    page.get_by_role("button", name="Flyt opgaverne").click()
    expect(page.get_by_role("alert")).to_contain_text("Vælg to forskellige medarbejdere")


def test_a_caseworker_may_not_open_the_leaders_page(signed_in: LogIn, base_url: str) -> None:
    page = signed_in("caseworker")
    response = page.goto(f"{base_url}/leder")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Ingen adgang")


def seed_investigation(platform: Platform, case_id: str, reason: str) -> None:
    """A BFU on the case as the read model would hold it (synthetic keys): one D5 met, one D5
    breached with its advis and the reason the leader gave in the explanation task."""
    key = secrets.randbelow(2**60) + 2**61
    now = datetime.now(UTC)
    with platform.db.begin() as conn:
        conn.execute(
            insert(rm.process_instance).values(
                process_instance_key=key,
                process_definition_key=key,
                bpmn_process_id="boernefaglig_undersoegelse",
                version=1,
                state="ACTIVE",
                started_at=now - timedelta(days=130),
                last_position=0,
                case_id=case_id,
            )
        )
        for offset, state in ((1, "CANCELED"), (2, "TRIGGERED")):
            conn.execute(
                insert(rm.timer).values(
                    timer_key=key + offset,
                    process_definition_key=key,
                    process_instance_key=key,
                    target_element_id="d5_deadline_passed",
                    due_at=now - timedelta(days=10),
                    repetitions=1,
                    state=state,
                    deadline_rule="D5",
                    last_position=0,
                )
            )
        unit = conn.execute(select(case.c.org_unit_id).where(case.c.id == case_id)).scalar_one()
        conn.execute(
            insert(advis).values(
                id=uuid.uuid4(),
                case_id=case_id,
                org_unit_id=unit,
                rule_id="D5",
                kind="deadline_breached",
                for_role="team_leader",
                process_instance_key=key,
            )
        )
        conn.execute(
            insert(rm.user_task).values(
                user_task_key=key + 3,
                element_instance_key=key + 3,
                process_instance_key=key,
                process_definition_key=key,
                bpmn_process_id="boernefaglig_undersoegelse",
                element_id="explain_d5_breach",
                candidate_groups=["901-ledere"],
                candidate_users=[],
                custom_headers={},
                state="COMPLETED",
                created_at=now,
                last_position=0,
            )
        )
        conn.execute(
            insert(form_document).values(
                user_task_key=key + 3,
                case_id=case_id,
                form_id="deadline_breach_reason",
                form_key=0,
                data={"breach_reason": reason},
                status="submitted",
                saved_by=user_id("leader"),
                saved_at=now,
            )
        )


def leader_principal(username: str, municipality: str) -> Principal:
    return Principal(
        user_id(username),
        username,
        username,
        municipality,
        unit_id(municipality),
        frozenset({"team_leader"}),
    )


def test_compliance_is_counted_from_the_read_model_within_the_leaders_scope(
    signed_in: LogIn, base_url: str, caseworker_api: ApiClient, platform: Platform
) -> None:
    """Not a browser test at heart: the figures from the stores, then the page shows them."""
    nord = leader_principal("leader", "901")
    syd = leader_principal("caseworker2", "902")
    with platform.db.connect() as conn:
        before = {f.measure.key: f for f in figures(gather(conn, nord), datetime.now(UTC))}
        before_syd = figures(gather(conn, syd), datetime.now(UTC))
    case_id = receive(caseworker_api)["case_id"]
    seed_investigation(platform, case_id, "Sygdom i teamet i hele marts.")
    with platform.db.connect() as conn:
        after = {f.measure.key: f for f in figures(gather(conn, nord), datetime.now(UTC))}
        assert figures(gather(conn, syd), datetime.now(UTC)) == before_syd
    assert after["bfu"].met == before["bfu"].met + 1
    assert after["bfu"].breached == before["bfu"].breached + 1

    page = signed_in("leader")
    page.goto(f"{base_url}/leder")
    bfu = page.locator("#overholdelse-tabel tr[data-maal='bfu'] td")
    expect(bfu.nth(1)).to_have_text(str(after["bfu"].met))
    expect(bfu.nth(2)).to_have_text(str(after["bfu"].breached))
    expect(bfu.nth(4)).to_have_text(f"{after['bfu'].percent} %")
    breach = (
        page.locator("#overskridelser-tabel")
        .get_by_role("row")
        .filter(has_text="Sygdom i teamet i hele marts.")
    )
    expect(breach).to_contain_text("Børnefaglig undersøgelse afsluttet (D5)")
    expect(breach.get_by_role("link")).to_have_attribute("href", f"/sager/{case_id}")
