"""D1 (BL § 136): when the 24 hours pass, one advis and one task for the team leader."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from api.cases.tables import advis
from api.testdata.cpr import synthetic_cpr
from tests.clock.test_timers import wait_until_idle
from tests.harness.api import ApiClient
from tests.harness.engine import EngineClock
from tests.harness.pii import scan
from tests.harness.platform import Platform
from tests.harness.waiting import eventually

pytestmark = pytest.mark.clock


def test_missed_24_hours_raise_one_advis_and_a_leader_task(
    clock_platform: Platform, clock: EngineClock
) -> None:
    """The assessment stays open (the timer does not interrupt it); the leader is asked for
    the reason once; the case page shows D1 as breached."""
    platform = clock_platform
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    caseworker, leader = ApiClient(base, "caseworker"), ApiClient(base, "leader")
    received_at = clock.now()
    created = caseworker.post(
        "/api/underretninger",
        {
            "child_cpr": synthetic_cpr(uuid.uuid4().hex),
            "received_at": received_at.isoformat(),
            "reporter_type": "anonymous",
            "concern": "Barnet bliver ofte hentet af en beruset forælder.",
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]

    def tasks(client: ApiClient, name: str) -> list[dict]:
        return [t for t in client.get("/api/tasks", case_id=case_id).json() if t["name"] == name]

    (assessment,) = eventually(lambda: tasks(caseworker, "24-timers vurdering"))
    wait_until_idle(platform)
    clock.advance(timedelta(hours=24, minutes=1))

    (reason_task,) = eventually(
        lambda: tasks(leader, "Årsag til overskredet 24-timers frist"), what="leader task"
    )
    assert reason_task["candidate_groups"] == ["901-modtagelse-ledere"]
    with platform.db.connect() as conn:
        raised = conn.execute(select(advis).where(advis.c.case_id == uuid.UUID(case_id))).all()
    assert [(a.rule_id, a.for_role) for a in raised] == [("D1", "team_leader")]
    assert tasks(caseworker, "24-timers vurdering") == [assessment]
    (d1,) = [
        d
        for d in caseworker.get(f"/api/cases/{case_id}").json()["deadlines"]
        if d["rule_id"] == "D1"
    ]
    assert d1["state"] == "breached"

    done = leader.post(
        f"/api/tasks/{reason_task['id']}/complete",
        {"breach_reason": "Sygdom i modtagelsen den dag."},
    )
    assert done.status_code == 204, done.text
    finished = caseworker.post(
        f"/api/tasks/{assessment['id']}/complete",
        {
            "acute_risk": "no",
            "assessment": "Forældrene samarbejder; afdækning.",
            "outcome": "afdaekning",
        },
    )
    assert finished.status_code == 204, finished.text
    caseworker.close()
    leader.close()


@pytest.mark.pii_scan
def test_no_cpr_number_in_records_streams_or_logs(clock_platform: Platform) -> None:
    """What the clock suite left behind is free of CPR numbers too."""
    assert scan(clock_platform) == {}
