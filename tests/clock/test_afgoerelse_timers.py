"""The decision process's other timers on the moved clock: the hearing period (D20) and the
4-week genvurdering of an appeal (D17)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from api.cases.tables import advis
from tests.clock.test_timers import wait_until_idle
from tests.harness.api import ApiClient
from tests.harness.engine import EngineClock
from tests.harness.platform import Platform
from tests.harness.readmodel import deadline_timer
from tests.harness.waiting import eventually
from tests.platform.test_afgoerelse import DECISION
from tests.platform.test_investigation import (
    TALK,
    complete,
    instances,
    investigate,
    start_underretning,
    task_named,
)

pytestmark = pytest.mark.clock


def test_hearing_period_then_missed_genvurdering(
    clock_platform: Platform, clock: EngineClock
) -> None:
    """The decision waits for the hearing period the caseworker set (D20); an appeal not
    reassessed within 4 weeks raises an advis and a leader task (D17), and the genvurdering
    task stays open."""
    platform = clock_platform
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "caseworker")
    leader = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "leader")
    case_id, _ = start_underretning(client, "bfu")
    investigate(client, case_id, "stoettende_indsats")
    complete(client, task_named(client, case_id, "Børnesamtale før afgørelse"), TALK)
    complete(
        client,
        task_named(client, case_id, "Partshøring"),
        {"material": "Vi påtænker at bevilge en kontaktperson.", "hearing_days": 10},
    )
    (decision,) = eventually(lambda: instances(platform, case_id, "afgoerelse"))
    key = decision.process_instance_key
    eventually(lambda: deadline_timer(platform.db, key, "D20"))
    wait_until_idle(platform)
    names = {t["name"] for t in client.get("/api/tasks", case_id=case_id).json()}
    assert "Afgørelse" not in names, "the decision waits for the hearing period"
    clock.advance(timedelta(days=11, hours=1))
    complete(client, task_named(client, case_id, "Afgørelse"), DECISION)
    eventually(lambda: deadline_timer(platform.db, key, "D16"))

    appealed = client.post(
        f"/api/cases/{case_id}/appeals",
        {"decision_instance_key": str(key), "received_at": clock.now().isoformat()},
    )
    assert appealed.status_code == 201, appealed.text
    task_named(client, case_id, "Genvurdering af klage")
    wait_until_idle(platform)
    clock.advance(timedelta(weeks=4, hours=1))
    task_named(leader, case_id, "Årsag til overskredet genvurderingsfrist")
    with platform.db.connect() as conn:
        raised = list(
            conn.execute(
                select(advis.c.rule_id).where(advis.c.process_instance_key == key)
            ).scalars()
        )
    assert raised == ["D17"]
    assert task_named(client, case_id, "Genvurdering af klage")
    client.close()
    leader.close()
