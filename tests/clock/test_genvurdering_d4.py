"""D4 on the moved clock: a genvurdering (BL § 137) not made within 24 hours raises one advis
and one leader task, and no D1 breach (the 24-hour window of the assessment itself was met)."""

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
from tests.harness.waiting import eventually
from tests.platform.test_afgoerelse import DECISION, to_decision
from tests.platform.test_investigation import complete, letters, task_named

pytestmark = pytest.mark.clock


def test_late_genvurdering_raises_one_advis_and_a_leader_task(
    clock_platform: Platform, clock: EngineClock, clients: tuple[ApiClient, ApiClient]
) -> None:
    platform = clock_platform
    caseworker, leader = clients
    case_id = to_decision(caseworker, "stoettende_indsats", received_at=clock.now())
    complete(caseworker, task_named(caseworker, case_id, "Afgørelse"), DECISION)
    eventually(lambda: letters(platform, case_id, "afgoerelse"))
    child_cpr = caseworker.get(f"/api/cases/{case_id}").json()["child"]["cpr"]
    again = caseworker.post(
        "/api/underretninger",
        {
            "child_cpr": child_cpr,
            "received_at": clock.now().isoformat(),
            "reporter_type": "private",
            "concern": "Barnet er set alene sent om aftenen.",
        },
    )
    assert again.status_code == 201, again.text
    task_named(caseworker, case_id, "Genvurdering ved ny underretning")
    wait_until_idle(platform)
    clock.advance(timedelta(hours=25))
    task_named(leader, case_id, "Årsag til overskredet frist for genvurdering")
    with platform.db.connect() as conn:
        raised = list(
            conn.execute(
                select(advis.c.rule_id).where(advis.c.case_id == uuid.UUID(case_id))
            ).scalars()
        )
    assert raised == ["D4"]
    assert task_named(caseworker, case_id, "Genvurdering ved ny underretning")
