"""Reporting to Danmarks Statistik on the platform: an operator asks for a run now (the same
process as the nightly D27 run, started by its message), and the new events go in an accepted
file; only operators may do so. DST down: retries, an incident, and after the repair the file
that was recorded goes through once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.projector import tables as rm
from infra.stack import port_open
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.readmodel import rows
from tests.harness.waiting import eventually
from tests.platform.test_integration_faults import resolve
from tests.platform.test_investigation import start_underretning


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
