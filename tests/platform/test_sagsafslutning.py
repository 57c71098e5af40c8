"""Sagsafslutning: a case closes with a reason and a DST end event, never while an indsats or
anbringelse is open."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import insert, select

from api.cases.tables import case, measure
from api.projector import tables as rm
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.readmodel import process_instance, rows
from tests.harness.waiting import eventually
from tests.platform.test_investigation import complete, instances, start_underretning, task_named
from tests.platform.test_stoettende_indsats import start_indsats

REASON = {"reason": "intet_behov", "explanation": "Underretningen gav ikke grund til støtte."}


def status_of(platform: Platform, case_id: str) -> str:
    with platform.db.connect() as conn:
        return str(
            conn.execute(select(case.c.status).where(case.c.id == uuid.UUID(case_id))).scalar()
        )


def test_a_case_closes_with_its_reason_and_dst_end_event(
    platform: Platform, caseworker: ApiClient
) -> None:
    case_id, _ = start_underretning(caseworker, "close")
    started = caseworker.post(f"/api/cases/{case_id}/close", {})
    assert started.status_code == 201, started.text
    task = task_named(caseworker, case_id, "Afslut sagen")
    refused = caseworker.post(f"/api/tasks/{task['id']}/complete", {"reason": "glemt"})
    assert refused.status_code == 422
    complete(caseworker, task, REASON)
    eventually(lambda: status_of(platform, case_id) == "closed")
    events = caseworker.get(f"/api/cases/{case_id}").json()["statistics_events"]
    assert [(e["subject"], e["event"], e["code"]) for e in events] == [
        ("underretning", "start", ""),
        ("sag", "end", "intet_behov"),
    ]
    again = caseworker.post(f"/api/cases/{case_id}/close", {})
    assert again.status_code == 409


def test_a_case_with_an_open_indsats_is_not_closed(
    platform: Platform, caseworker: ApiClient
) -> None:
    case_id, _, _ = start_indsats(platform, caseworker)
    refused = caseworker.post(f"/api/cases/{case_id}/close", {})
    assert refused.status_code == 409
    (still_open,) = refused.json()["detail"]["open"]
    assert still_open["kind"] == "indsats"
    events = caseworker.get(f"/api/cases/{case_id}").json()["statistics_events"]
    assert ("indsats", "start") in {(e["subject"], e["event"]) for e in events}


def test_a_measure_granted_while_closing_stops_it(
    platform: Platform, caseworker: ApiClient
) -> None:
    """The check is made again when the case is closed: a measure granted meanwhile ends the
    closing process at its error boundary, and the case stays open."""
    case_id, _ = start_underretning(caseworker, "close")
    assert caseworker.post(f"/api/cases/{case_id}/close", {}).status_code == 201
    task = task_named(caseworker, case_id, "Afslut sagen")
    with platform.db.begin() as conn:  # a decision delivered meanwhile
        conn.execute(
            insert(measure).values(
                id=uuid.uuid4(),
                case_id=uuid.UUID(case_id),
                kind="indsats",
                legal_basis="BL § 32",
                decision_instance_key=-int(uuid.uuid4().int % 1_000_000_000),
                started_on=date.today(),
            )
        )
    complete(caseworker, task, REASON)
    (closing,) = eventually(lambda: instances(platform, case_id, "sagsafslutning"))
    eventually(
        lambda: process_instance(platform.db, closing.process_instance_key).state == "COMPLETED"
    )
    ends = {
        e.element_id
        for e in rows(
            platform.db, rm.element_instance, process_instance_key=closing.process_instance_key
        )
    }
    assert "case_not_closed" in ends and "case_closed" not in ends
    assert status_of(platform, case_id) == "open"
