"""D19 (OFL § 36): a request for aktindsigt neither decided nor answered with a fristbrev
within 7 arbejdsdage raises one advis and asks the team leader why."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from api.cases.tables import advis
from api.projector import tables as rm
from api.testdata.cpr import synthetic_cpr
from tests.clock.test_timers import wait_until_idle
from tests.harness.api import ApiClient
from tests.harness.engine import EngineClock
from tests.harness.platform import Platform
from tests.harness.readmodel import process_instance, rows
from tests.harness.waiting import eventually
from tests.platform.test_aktindsigt import GRANT, d19_timer, instance_of, task_named
from tests.platform.test_investigation import complete, letters, start_underretning

pytestmark = pytest.mark.clock

REASON = "Årsag til overskredet frist for aktindsigt"


def test_missed_7_working_days_raise_one_advis_and_a_leader_task(
    clock_platform: Platform, clock: EngineClock
) -> None:
    """The request stays open and can still be decided; the leader gets one advis and one task
    asking why; the case page shows D19 as breached and the request as overdue."""
    platform = clock_platform
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    client, leader = ApiClient(base, "caseworker"), ApiClient(base, "leader")
    case_id, _ = start_underretning(client, "close", clock.now())
    created = client.post(
        f"/api/cases/{case_id}/aktindsigt",
        {"requester_cpr": synthetic_cpr(uuid.uuid4().hex), "received_at": clock.now().isoformat()},
    )
    assert created.status_code == 201, created.text
    due = datetime.fromisoformat(created.json()["due_at"])
    key = instance_of(platform, created.json()["aktindsigt_id"])
    choose = task_named(client, case_id, "Anmodning om aktindsigt", key)
    assert d19_timer(platform, key).due_at == due
    wait_until_idle(platform)
    assert REASON not in open_tasks(leader, case_id), "nothing to explain before the deadline"

    clock.advance(due - clock.now() + timedelta(hours=1))
    reason = task_named(leader, case_id, REASON)
    assert reason["candidate_groups"] == ["901-modtagelse-ledere"]
    assert advis_of(platform, key) == ["deadline_breached"]
    page = client.get(f"/api/cases/{case_id}").json()
    assert {d["rule_id"]: d["state"] for d in page["deadlines"]}["D19"] == "breached"
    (request,) = page["aktindsigt"]
    assert request["overdue"] is True and request["status"] == "received"

    complete(client, choose, {"answer": "decide"})
    complete(client, task_named(client, case_id, "Afgørelse om aktindsigt", key), GRANT)
    eventually(lambda: letters(platform, case_id, "aktindsigt"), what="the late decision")
    complete(leader, reason, {"breach_reason": "Sagsbehandleren var syg i hele perioden."})
    eventually(lambda: process_instance(platform.db, key).state == "COMPLETED")
    wait_until_idle(platform)
    assert advis_of(platform, key) == ["deadline_breached"], "one advis, however late"
    ends = {e.element_id for e in rows(platform.db, rm.element_instance, process_instance_key=key)}
    assert {"d19_breach_explained", "request_answered"} <= ends
    client.close()
    leader.close()


def open_tasks(client: ApiClient, case_id: str) -> list[str]:
    """The open tasks on the case the client sees, right now."""
    return [t["name"] for t in client.get("/api/tasks", case_id=case_id).json()]


def advis_of(platform: Platform, key: int) -> list[str]:
    with platform.db.connect() as conn:
        return list(
            conn.execute(
                select(advis.c.kind).where(
                    advis.c.process_instance_key == key, advis.c.rule_id == "D19"
                )
            ).scalars()
        )
