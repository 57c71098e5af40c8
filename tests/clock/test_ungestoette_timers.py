"""Ungestøtte on the moved clock: a decision not prepared 6 months before the 18th birthday
(D23) raises one advis and one leader task; at the 23rd birthday (D24) every open measure of
the case ends, and so does the process."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from api.calendar.months import add_months
from api.calendar.working_days import COPENHAGEN
from api.cases.cpr import CprNumber
from api.cases.tables import measure
from api.cases.youth import birthday
from api.projector import tables as rm
from api.testdata.cpr import synthetic_cpr_of_age
from tests.clock.test_timers import wait_until_idle
from tests.harness.api import ApiClient
from tests.harness.casestore import advis_of
from tests.harness.engine import EngineClock
from tests.harness.platform import Platform
from tests.harness.readmodel import process_instance, rows
from tests.harness.waiting import eventually
from tests.platform.test_anbringelse import placement_of
from tests.platform.test_investigation import complete, instances, task_named
from tests.platform.test_ungestoette import PREPARATION, UNGEPLAN, start_of, youth_placement

pytestmark = pytest.mark.clock

REASON_TASK = "Årsag til overskredet frist for afgørelse om ungestøtte"


def measures_of(platform: Platform, case_id: str) -> list[Any]:
    with platform.db.connect() as conn:
        return list(conn.execute(select(measure).where(measure.c.case_id == uuid.UUID(case_id))))


def test_late_decision_and_the_end_at_23(
    clock_platform: Platform, clock: EngineClock, clients: tuple[ApiClient, ApiClient]
) -> None:
    platform = clock_platform
    caseworker, leader = clients
    now = clock.now()
    cpr = synthetic_cpr_of_age(uuid.uuid4().hex, 16, now.astimezone(COPENHAGEN).date())
    born = CprNumber(cpr).birth_date
    case_id = youth_placement(caseworker, leader, platform, cpr, now)
    (youth,) = eventually(lambda: instances(platform, case_id, "ungestoette"))
    key = youth.process_instance_key
    plan = task_named(caseworker, case_id, "Ungeplan: overgangen til voksenlivet")
    complete(caseworker, plan, UNGEPLAN)
    prepare = task_named(caseworker, case_id, "Forbered afgørelse om ungestøtte")

    decision_due = start_of(add_months(birthday(born, 18), -6))
    wait_until_idle(platform)
    clock.advance(decision_due - clock.now() - timedelta(days=1))
    wait_until_idle(platform)
    assert advis_of(platform, case_id, "D23") == [], "not due yet"
    clock.advance(timedelta(days=2))
    reason = task_named(leader, case_id, REASON_TASK)
    assert reason["candidate_groups"] == ["901-modtagelse-ledere"]
    assert eventually(lambda: advis_of(platform, case_id, "D23")) == ["deadline_breached"]
    wait_until_idle(platform)
    reasons = [
        t for t in leader.get("/api/tasks", case_id=case_id).json() if t["name"] == REASON_TASK
    ]
    assert len(reasons) == 1
    complete(leader, reason, {"breach_reason": "Den unge ønskede mere tid til at overveje."})
    complete(caseworker, prepare, PREPARATION)
    eventually(lambda: len(instances(platform, case_id, "afgoerelse")) == 2)

    wait_until_idle(platform)
    assert placement_of(platform, case_id).ended_on is None
    assert advis_of(platform, case_id, "D23") == ["deadline_breached"], "one advis only"
    # At 18 the placement ends (D23): its process is interrupted and the measure ends.
    clock.advance(start_of(birthday(born, 18)) - clock.now() + timedelta(minutes=1))
    ended = eventually(lambda: placement_of(platform, case_id).ended_on)
    assert ended == birthday(born, 18)
    (placement,) = instances(platform, case_id, "anbringelse")
    # The placement's own path ends (its missed-deadline reasons may still await the leader).
    eventually(
        lambda: (
            "placement_ended"
            in {
                e.element_id
                for e in rows(
                    platform.db,
                    rm.element_instance,
                    process_instance_key=placement.process_instance_key,
                )
            }
        )
    )
    wait_until_idle(platform)
    assert process_instance(platform.db, key).state == "ACTIVE", "ungestøtte runs to 23"
    clock.advance(start_of(birthday(born, 23)) - clock.now() + timedelta(minutes=1))
    eventually(lambda: process_instance(platform.db, key).state == "COMPLETED")
    assert {m.ended_on for m in measures_of(platform, case_id)} == {ended}
