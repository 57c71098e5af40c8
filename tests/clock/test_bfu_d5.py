"""D5 (BL § 20 stk. 3): a BFU not done after 4 months asks for a foreløbig vurdering, and the
leader is reminded every 14 days until it is done (D5b)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.clock.test_timers import wait_until_idle
from tests.harness.api import ApiClient
from tests.harness.casestore import advis_of
from tests.harness.engine import EngineClock
from tests.harness.platform import Platform
from tests.harness.waiting import eventually
from tests.platform.test_investigation import investigate, start_underretning

pytestmark = pytest.mark.clock


@pytest.fixture
def caseworker(clock_platform: Platform) -> Iterator[ApiClient]:
    client = ApiClient(f"http://127.0.0.1:{clock_platform.stack.ports.api}", "caseworker")
    yield client
    client.close()


def open_task(client: ApiClient, case_id: str, name: str) -> dict[str, Any] | None:
    tasks = client.get("/api/tasks", case_id=case_id).json()
    return next((t for t in tasks if t["name"] == name), None)


def breach_d5(platform: Platform, clock: EngineClock, client: ApiClient) -> str:
    """A BFU received at the engine's now, then the clock moved past its 4 months."""
    case_id, _ = start_underretning(client, "bfu", clock.now())
    eventually(lambda: open_task(client, case_id, "Børnesamtale"))
    wait_until_idle(platform)
    clock.advance(timedelta(days=124))
    eventually(
        lambda: open_task(client, case_id, "Foreløbig vurdering"),
        what="foreløbig vurdering requested",
    )
    return case_id


def test_missed_4_months_raise_advis_and_foreloebig_vurdering(
    clock_platform: Platform, clock: EngineClock, caseworker: ApiClient
) -> None:
    """The investigation stays open; the leader gets one advis and one task asking why; the
    caseworker is asked for a foreløbig vurdering; the case page shows D5 as breached."""
    platform = clock_platform
    case_id = breach_d5(platform, clock, caseworker)
    leader = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "leader")
    reason = eventually(
        lambda: open_task(leader, case_id, "Årsag til overskredet 4-måneders frist")
    )
    assert reason["candidate_groups"] == ["901-modtagelse-ledere"]
    leader.close()
    assert open_task(caseworker, case_id, "Børnesamtale") is not None, "the investigation goes on"
    assert advis_of(platform, case_id, "D5") == ["deadline_breached"]
    deadlines = {
        d["rule_id"]: d["state"]
        for d in caseworker.get(f"/api/cases/{case_id}").json()["deadlines"]
    }
    assert deadlines["D5"] == "breached" and deadlines["D1"] == "met"


def test_reminders_every_14_days_after_the_breach_until_the_bfu_is_done(
    clock_platform: Platform, clock: EngineClock, caseworker: ApiClient
) -> None:
    """D5b: 14 and 28 days after the 4-month deadline the leader is reminded; once the BFU is
    done the reminders stop."""
    platform = clock_platform
    case_id = breach_d5(platform, clock, caseworker)
    wait_until_idle(platform)
    assert advis_of(platform, case_id, "D5b") == []
    clock.advance(timedelta(days=15))
    eventually(lambda: len(advis_of(platform, case_id, "D5b")) == 1, what="first reminder")
    wait_until_idle(platform)
    clock.advance(timedelta(days=14))
    eventually(lambda: len(advis_of(platform, case_id, "D5b")) == 2, what="second reminder")

    investigate(caseworker, case_id, "none")
    eventually(lambda: open_task(caseworker, case_id, "Konklusion og anbefaling") is None)
    wait_until_idle(platform)
    clock.advance(timedelta(days=15))
    wait_until_idle(platform)
    assert len(advis_of(platform, case_id, "D5b")) == 2, "no reminder after the BFU ended"
