"""D16: without an appeal, the decision is final when the 4-week appeal window has passed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.projector import tables as rm
from tests.clock.test_timers import wait_until_idle
from tests.harness.api import ApiClient
from tests.harness.engine import EngineClock
from tests.harness.platform import Platform
from tests.harness.readmodel import deadline_timer, process_instance, rows
from tests.harness.waiting import eventually
from tests.platform.test_afgoerelse import DECISION, to_decision
from tests.platform.test_investigation import complete, instances, task_named

pytestmark = pytest.mark.clock


def test_decision_becomes_final_when_the_appeal_window_closes(
    clock_platform: Platform, clock: EngineClock
) -> None:
    """Four weeks after delivery with no appeal the instance ends at 'Afgørelsen er endelig'."""
    platform = clock_platform
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "caseworker")
    case_id = to_decision(client, "stoettende_indsats")
    complete(client, task_named(client, case_id, "Afgørelse"), DECISION)
    (decision,) = eventually(lambda: instances(platform, case_id, "afgoerelse"))
    key = decision.process_instance_key
    eventually(lambda: deadline_timer(platform.db, key, "D16"))
    wait_until_idle(platform)
    assert process_instance(platform.db, key).state == "ACTIVE", "the window is still open"
    clock.advance(timedelta(weeks=4, hours=1))
    eventually(lambda: process_instance(platform.db, key).state == "COMPLETED")
    ends = {e.element_id for e in rows(platform.db, rm.element_instance, process_instance_key=key)}
    assert "decision_final" in ends and "reassess_appeal" not in ends
    client.close()
