"""D25 on the moved clock: a new municipality not told within a week raises one advis and one
leader task."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from api.cases.tables import advis
from tests.clock.test_timers import wait_until_idle
from tests.harness.api import ApiClient
from tests.harness.engine import EngineClock
from tests.harness.platform import Platform
from tests.platform.test_flytning import move
from tests.platform.test_investigation import start_underretning, task_named

pytestmark = pytest.mark.clock


def test_late_handover_raises_one_advis_and_a_leader_task(
    clock_platform: Platform, clock: EngineClock, clients: tuple[ApiClient, ApiClient]
) -> None:
    platform = clock_platform
    caseworker, leader = clients
    case_id, _ = start_underretning(caseworker, "close", clock.now())
    move(platform, case_id, "902", uuid.uuid4().hex)
    task_named(caseworker, case_id, "Sagsresumé til den nye kommune")
    wait_until_idle(platform)
    clock.advance(timedelta(days=8))
    task_named(leader, case_id, "Årsag til forsinket orientering af ny kommune")
    with platform.db.connect() as conn:
        raised = list(
            conn.execute(
                select(advis.c.rule_id).where(advis.c.case_id == uuid.UUID(case_id))
            ).scalars()
        )
    assert raised.count("D25") == 1
    assert task_named(caseworker, case_id, "Sagsresumé til den nye kommune")
