"""An external system down on the real engine: the job retries with backoff, then an incident
with a readable message; once the system is back and the incident is resolved, the process goes
on. (A business rejection, CPR not knowing the number, is handled in the diagram:
`test_underretning.py`, the "Identificér barnet" task.)"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import grpc
from pyzeebe.proto import gateway_pb2, gateway_pb2_grpc

from api.projector import tables as rm
from api.testdata.cpr import synthetic_child_cpr
from infra.stack import port_open
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.readmodel import rows
from tests.harness.waiting import eventually
from tests.platform.test_investigation import instances, task_named


def resolve(platform: Platform, job_key: int, incident_key: int) -> None:
    """What an operator does (the monitor issue gives it a page): retries back, then resolve."""
    with grpc.insecure_channel(platform.endpoints.gateway) as channel:
        gateway = gateway_pb2_grpc.GatewayStub(channel)
        gateway.UpdateJobRetries(gateway_pb2.UpdateJobRetriesRequest(jobKey=job_key, retries=3))
        gateway.ResolveIncident(gateway_pb2.ResolveIncidentRequest(incidentKey=incident_key))


def test_cpr_down_becomes_an_incident_and_the_process_goes_on_after_repair(
    platform: Platform, caseworker: ApiClient
) -> None:
    simulators = platform.stack.apps["simulators"]
    simulators.stop()
    try:
        received = caseworker.post(
            "/api/underretninger",
            {
                "child_cpr": synthetic_child_cpr(uuid.uuid4().hex, datetime.now(UTC).date()),
                "received_at": datetime.now(UTC).isoformat(),
                "reporter_type": "private",
                "concern": "Barnet har blå mærker på armene.",
            },
        )
        assert received.status_code == 201, received.text
        case_id = received.json()["case_id"]
        (instance,) = eventually(lambda: instances(platform, case_id, "underretning"))
        key = instance.process_instance_key
        incident = eventually(
            lambda: next(
                (
                    i
                    for i in rows(platform.db, rm.incident, process_instance_key=key)
                    if i.state == "ACTIVE"
                ),
                None,
            ),
            timeout=120,
            what="an incident after the retries",
        )
        assert incident.element_id == "lookup_child"
        assert incident.error_message.startswith("CPR-opslag: Unavailable")
        assert "24-timers vurdering" not in {
            t["name"] for t in caseworker.get("/api/tasks", case_id=case_id).json()
        }
    finally:
        platform.stack.start_app("simulators")
    # The operator retries once CPR answers again (the simulators take a moment to listen).
    eventually(lambda: port_open(platform.stack.ports.simulators), what="the simulators back")
    resolve(platform, incident.job_key, incident.incident_key)
    task_named(caseworker, case_id, "24-timers vurdering")
    resolved = eventually(
        lambda: next(
            (
                i
                for i in rows(platform.db, rm.incident, process_instance_key=key)
                if i.state == "RESOLVED"
            ),
            None,
        )
    )
    assert resolved.incident_key == incident.incident_key
