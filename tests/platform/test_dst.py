"""Reporting to Danmarks Statistik on the platform: an operator asks for a run now (the same
process as the nightly D27 run, started by its message), and the new events go in an accepted
file; only operators may do so. DST down: retries, an incident, and after the repair the file
that was recorded goes through once. A placement whose legal basis changes (the committee's
decision after the chair's, § 143 → § 47) is reported as a change (AENDRING), once however
often the job runs; an accepted file is not kept, only its hash and size."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.calendar.working_days import COPENHAGEN
from api.cases.placements import committee_decided
from api.cases.tables import measure, statistics_event
from api.dst.delivery import AlreadyAnswered, content_of
from api.dst.tables import dst_delivery, dst_delivery_event
from api.projector import tables as rm
from api.web.case_data import chronology
from infra.stack import port_open
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.readmodel import rows
from tests.harness.waiting import eventually
from tests.platform.test_afgoerelse import to_decision
from tests.platform.test_anbringelse import PLACEMENT, UPHELD, decide, placement_of
from tests.platform.test_integration_faults import resolve
from tests.platform.test_investigation import complete, start_underretning, task_named


def reported(client: ApiClient, case_id: str) -> Any:
    """When the case's underretning was delivered to DST (None while it was not)."""
    events = client.get(f"/api/cases/{case_id}").json()["statistics_events"]
    (received,) = [e for e in events if e["subject"] == "underretning"]
    return received["delivered_at"]


@pytest.fixture
def operator(platform: Platform) -> Iterator[ApiClient]:
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "operator")
    yield client
    client.close()


def test_an_operator_runs_the_dst_reporting_now(
    platform: Platform, caseworker: ApiClient, operator: ApiClient
) -> None:
    case_id, _ = start_underretning(caseworker, "afdaekning")
    assert caseworker.post("/api/dst/koersler").status_code == 403
    assert caseworker.get("/api/dst/leveringer").status_code == 403
    known = {d["delivery_id"] for d in operator.get("/api/dst/leveringer").json()}
    assert operator.post("/api/dst/koersler").status_code == 202

    eventually(lambda: reported(caseworker, case_id), what="the underretning reported to DST")
    new = [d for d in operator.get("/api/dst/leveringer").json() if d["delivery_id"] not in known]
    assert [d["status"] for d in new] == ["accepted"] * len(new) and new
    assert all(set(d) >= {"delivery_id", "status", "reason", "event_count"} for d in new)


def test_dst_down_becomes_an_incident_and_the_file_goes_once_after_repair(
    platform: Platform, caseworker: ApiClient, operator: ApiClient
) -> None:
    """A technical failure is retried with backoff, then an incident naming the step; the file
    recorded before the failure is the one sent after the repair, and DST books it once."""
    case_id, _ = start_underretning(caseworker, "afdaekning")
    known = {d["delivery_id"] for d in operator.get("/api/dst/leveringer").json()}
    runs_before = {
        r.process_instance_key
        for r in rows(platform.db, rm.process_instance, bpmn_process_id="dst_levering")
    }
    platform.stack.apps["simulators"].stop()
    try:
        assert operator.post("/api/dst/koersler").status_code == 202

        def active_incident() -> Any:
            return next(
                (
                    i
                    for i in rows(platform.db, rm.incident, element_id="deliver_events")
                    if i.state == "ACTIVE" and i.process_instance_key not in runs_before
                ),
                None,
            )

        incident = eventually(active_incident, timeout=120, what="an incident after the retries")
        assert incident.error_message.startswith(
            "Indberet hændelser til Danmarks Statistik: Unavailable"
        )
        waiting = [
            d for d in operator.get("/api/dst/leveringer").json() if d["delivery_id"] not in known
        ]
        assert [d["status"] for d in waiting] == ["sent"] * len(waiting) and waiting
    finally:
        platform.stack.start_app("simulators")
    eventually(lambda: port_open(platform.stack.ports.simulators), what="the simulators back")
    resolve(platform, incident.job_key, incident.incident_key)
    eventually(lambda: reported(caseworker, case_id), what="the underretning reported to DST")
    after = {d["delivery_id"]: d["status"] for d in operator.get("/api/dst/leveringer").json()}
    assert {d["delivery_id"]: after[d["delivery_id"]] for d in waiting} == {
        d["delivery_id"]: "accepted" for d in waiting
    }
    files = httpx.get(
        f"http://127.0.0.1:{platform.stack.ports.simulators}/dst/leveringer", timeout=10
    ).json()
    for d in waiting:
        assert [f["id"] for f in files].count(d["delivery_id"]) == 1


def measure_events(platform: Platform, measure_id: uuid.UUID) -> dict[str, list[Any]]:
    with platform.db.connect() as conn:
        found = conn.execute(
            select(statistics_event)
            .where(statistics_event.c.subject_id == measure_id)
            .order_by(statistics_event.c.occurred_on, statistics_event.c.recorded_at)
        ).all()
    events: dict[str, list[Any]] = {}
    for event in found:
        events.setdefault(event.event, []).append(event)
    return events


def sent_to_dst(platform: Platform, event_id: uuid.UUID) -> list[tuple[str, dict[str, Any]]]:
    """(DST's status, the event as sent) for every file the simulator got with the event."""
    files = httpx.get(
        f"http://127.0.0.1:{platform.stack.ports.simulators}/dst/leveringer", timeout=10
    ).json()
    return [
        (file["status"], event)
        for file in files
        for event in file["haendelser"]
        if event["id"] == str(event_id)
    ]


def test_a_placements_new_legal_basis_is_reported_as_a_change_once(
    platform: Platform, caseworker: ApiClient, leader: ApiClient, operator: ApiClient
) -> None:
    """The chair decides a placement in a hurry (§ 143); the committee approves it and then
    decides the case itself and upholds the placement: it rests on § 47 from the meeting. The
    case store notes that as a change, the next accepted delivery carries it as AENDRING with
    the new paragraph and the reason, and a retried job notes no second change."""
    case_id = to_decision(caseworker, "anbringelse")
    _, placed = decide(
        platform,
        caseworker,
        leader,
        case_id,
        {**PLACEMENT, "legal_basis": "BL § 143", "decided_by": "formand"},
    )
    meeting = {**UPHELD, "meeting_date": placed.started_on.isoformat()}
    approval = task_named(caseworker, case_id, "Udvalgets godkendelse af formandens afgørelse")
    complete(caseworker, approval, meeting)
    complete(
        caseworker,
        task_named(caseworker, case_id, "Udvalgets afgørelse efter formandens afgørelse"),
        meeting,
    )
    eventually(
        lambda: placement_of(platform, case_id).legal_basis == "BL § 47",
        what="the placement under the committee's § 47",
    )
    events = measure_events(platform, placed.id)
    ((start,), (change,)) = events["start"], events["change"]
    assert (start.legal_basis, change.legal_basis) == ("BL § 143", "BL § 47")
    assert (change.occurred_on, change.code) == (placed.started_on, "udvalgets_afgoerelse")
    assert "end" not in events, "the placement runs on"
    # The case page's chronology shows the basis it started under and the change.
    with platform.db.connect() as conn:
        shown = chronology(conn, uuid.UUID(case_id), [], {"processes": []}, {})
    titles = {(e.title, e.detail) for e in shown}
    assert {("Anbringelse startet", "BL § 143"), ("Anbringelse: hjemmel ændret", "BL § 47")} <= (
        titles
    )

    # The job retried (its answer lost): nothing more is noted.
    today = datetime.now(COPENHAGEN).date()
    with platform.db.begin() as conn:
        assert committee_decided(conn, placed.id, today) is False
    assert [e.id for e in measure_events(platform, placed.id)["change"]] == [change.id]
    with platform.db.begin() as conn, pytest.raises(LookupError, match="not recorded"):
        committee_decided(conn, uuid.uuid4(), today)

    assert operator.post("/api/dst/koersler").status_code == 202

    def delivered() -> bool:
        found = measure_events(platform, placed.id)
        return all(e.delivered_at is not None for e in found["start"] + found["change"])

    eventually(delivered, what="the start and the change reported to DST")
    ((start_status, sent_start),) = sent_to_dst(platform, start.id)
    ((change_status, sent_change),) = sent_to_dst(platform, change.id)
    assert start_status == change_status == "GODKENDT"
    assert (sent_start["type"], sent_start["koder"]) == ("START", {"Paragraf": "BL143"})
    assert (sent_change["type"], sent_change["forloeb"], sent_change["dato"]) == (
        "AENDRING",
        str(placed.id),
        placed.started_on.isoformat(),
    )
    assert sent_change["koder"] == {"Paragraf": "BL47", "Aarsag": "21"}

    # The accepted file is not kept: its hash, size and event count are.
    with platform.db.connect() as conn:
        (kept,) = conn.execute(
            select(dst_delivery)
            .join(dst_delivery_event, dst_delivery_event.c.delivery_id == dst_delivery.c.id)
            .where(dst_delivery_event.c.event_id == change.id)
        ).all()
        ended = conn.execute(select(measure.c.ended_on).where(measure.c.id == placed.id)).scalar()
    assert kept.status == "accepted" and kept.content is None
    with platform.db.connect() as conn, pytest.raises(AlreadyAnswered):
        content_of(conn, kept.id)
    assert len(kept.content_sha256) == 64 and kept.content_size > 0 and kept.event_count >= 2
    assert ended is None
    listed = {d["delivery_id"]: d for d in operator.get("/api/dst/leveringer").json()}
    assert listed[kept.delivery_id]["content_sha256"] == kept.content_sha256
