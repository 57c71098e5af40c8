"""CPR events on the running stack: the simulator publishes them, the workers' loop reads them
and each becomes what the case needs (adapters/cpr/EVENTS.md)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from adapters.cpr.events import CREDENTIAL_HEADER, TEST_CREDENTIAL
from api.cases.tables import case, cpr_event_log, measure, person
from api.testdata.cpr import synthetic_child_cpr, synthetic_cpr
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.waiting import eventually
from tests.platform.test_investigation import instances, start_underretning
from tests.platform.test_stoettende_indsats import start_indsats


def publish(platform: Platform, **event: Any) -> None:
    url = f"http://127.0.0.1:{platform.stack.ports.simulators}/cpr-haendelser"
    response = httpx.post(url, json=event, headers={CREDENTIAL_HEADER: TEST_CREDENTIAL}, timeout=10)
    assert response.status_code == 201, response.text


def child_of(client: ApiClient, case_id: str) -> str:
    return str(client.get(f"/api/cases/{case_id}").json()["child"]["cpr"])


def outcome_of(platform: Platform, event_id: str) -> str | None:
    with platform.db.connect() as conn:
        return conn.execute(
            select(cpr_event_log.c.outcome).where(cpr_event_log.c.event_id == event_id)
        ).scalar()


def test_a_move_starts_flytning_once(platform: Platform, caseworker: ApiClient) -> None:
    case_id, _ = start_underretning(caseworker, "close")
    event_id = uuid.uuid4().hex
    for _ in range(2):  # the Beskedfordeler may deliver an event twice
        publish(
            platform,
            id=event_id,
            type="flytning",
            personnummer=child_of(caseworker, case_id),
            dato=date.today().isoformat(),
            kommunekode="902",
        )
    eventually(lambda: outcome_of(platform, event_id) == "flytning:1")
    eventually(lambda: instances(platform, case_id, "flytning"))
    platform.wait_projected()
    assert len(instances(platform, case_id, "flytning")) == 1


def test_a_move_within_the_municipality_starts_nothing(
    platform: Platform, caseworker: ApiClient
) -> None:
    case_id, _ = start_underretning(caseworker, "close")
    event_id = uuid.uuid4().hex
    publish(
        platform,
        id=event_id,
        type="flytning",
        personnummer=child_of(caseworker, case_id),
        dato=date.today().isoformat(),
        kommunekode="901",
    )
    eventually(lambda: outcome_of(platform, event_id) == "flytning:0")


def test_a_birth_links_the_unborn_childs_case(platform: Platform, caseworker: ApiClient) -> None:
    mother = synthetic_cpr(uuid.uuid4().hex, birth_date=date(1996, 5, 12), female=True)
    created = caseworker.post(
        "/api/underretninger",
        {
            "unborn": True,
            "mother_cpr": mother,
            "expected_birth_date": (date.today() + timedelta(days=30)).isoformat(),
            "received_at": datetime.now(UTC).isoformat(),
            "reporter_type": "professional",
            "reporter_organisation": "Jordemoderen",
            "concern": "Moderen har et misbrug og ingen bolig.",
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    newborn = synthetic_child_cpr(uuid.uuid4().hex, date.today())
    event_id = uuid.uuid4().hex
    publish(
        platform,
        id=event_id,
        type="foedsel",
        personnummer=newborn,
        dato=date.today().isoformat(),
        morPersonnummer=mother,
    )
    eventually(lambda: outcome_of(platform, event_id) == "foedsel")
    with platform.db.connect() as conn:
        child = conn.execute(
            select(person.c.cpr)
            .join(case, case.c.child_id == person.c.id)
            .where(case.c.id == uuid.UUID(case_id))
        ).scalar()
    assert child == newborn


def test_a_death_ends_the_measures_and_starts_closing(
    platform: Platform, caseworker: ApiClient
) -> None:
    case_id, _, granted = start_indsats(platform, caseworker)
    event_id = uuid.uuid4().hex
    died = date.today()
    publish(
        platform,
        id=event_id,
        type="doedsfald",
        personnummer=child_of(caseworker, case_id),
        dato=died.isoformat(),
    )
    eventually(lambda: outcome_of(platform, event_id) == "doedsfald:1")
    with platform.db.connect() as conn:
        ended = conn.execute(select(measure.c.ended_on).where(measure.c.id == granted.id)).scalar()
    assert ended == died
    eventually(lambda: instances(platform, case_id, "sagsafslutning"))


def test_a_custody_change_refreshes_the_cpr_data(platform: Platform, caseworker: ApiClient) -> None:
    case_id, _ = start_underretning(caseworker, "close")
    cpr = child_of(caseworker, case_id)

    def looked_up() -> Any:
        with platform.db.connect() as conn:
            return conn.execute(
                select(person.c.cpr_looked_up_at).where(person.c.cpr == cpr)
            ).scalar()

    before = looked_up()
    event_id = uuid.uuid4().hex
    publish(
        platform,
        id=event_id,
        type="foraeldremyndighed",
        personnummer=cpr,
        dato=date.today().isoformat(),
    )
    eventually(lambda: outcome_of(platform, event_id) == "foraeldremyndighed")
    assert looked_up() > before


def test_an_event_about_someone_without_a_case_is_ignored(platform: Platform) -> None:
    event_id = uuid.uuid4().hex
    publish(
        platform,
        id=event_id,
        type="doedsfald",
        personnummer=synthetic_cpr(uuid.uuid4().hex),
        dato=date.today().isoformat(),
    )
    eventually(lambda: outcome_of(platform, event_id) == "ignored")
