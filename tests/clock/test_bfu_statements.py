"""Statusudtalelser on the moved clock (D5s): a request not answered by its reply date gets a
reminder a week, twice; then it is recorded as unanswered and the investigation goes on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.clock.test_timers import wait_until_idle
from tests.harness.api import ApiClient
from tests.harness.engine import EngineClock
from tests.harness.platform import Platform
from tests.harness.waiting import eventually
from tests.platform.test_investigation import (
    NO_STATEMENTS,
    TALK,
    complete,
    letters,
    open_tasks,
    start_underretning,
    task_named,
)

pytestmark = pytest.mark.clock


@pytest.fixture
def caseworker(clock_platform: Platform) -> Iterator[ApiClient]:
    client = ApiClient(f"http://127.0.0.1:{clock_platform.stack.ports.api}", "caseworker")
    yield client
    client.close()


def test_unanswered_statusudtalelse_is_reminded_twice_then_given_up(
    clock_platform: Platform, clock: EngineClock, caseworker: ApiClient
) -> None:
    platform = clock_platform
    case_id, _ = start_underretning(caseworker, "bfu", clock.now())
    complete(caseworker, task_named(caseworker, case_id, "Børnesamtale"), TALK)
    complete(
        caseworker,
        task_named(caseworker, case_id, "Indhent statusudtalelser"),
        {**NO_STATEMENTS, "school_name": "Testskolen", "school_cvr": "10000001", "reply_days": 7},
    )
    eventually(lambda: letters(platform, case_id, "statusudtalelse"), what="request sent")

    def statement() -> dict[str, object]:
        (found,) = caseworker.get(f"/api/cases/{case_id}").json()["statements"]
        return dict(found)

    def reminders(count: int) -> bool:
        return len(letters(platform, case_id, "statusudtalelse-rykker")) == count

    wait_until_idle(platform)
    assert reminders(0)
    clock.advance(timedelta(days=8, hours=1))
    eventually(lambda: reminders(1), what="first reminder")
    wait_until_idle(platform)
    assert statement()["overdue"] is True
    assert "Børnefaglig undersøgelse" not in open_tasks(caseworker, case_id)
    clock.advance(timedelta(days=7))
    eventually(lambda: reminders(2), what="second reminder")
    wait_until_idle(platform)
    clock.advance(timedelta(days=7))
    task_named(caseworker, case_id, "Børnefaglig undersøgelse")
    assert statement()["status"] == "unanswered"
    assert statement()["reminders_sent"] == 2
    wait_until_idle(platform)
    assert reminders(2), "no reminder after the request was given up"
    deadlines = caseworker.get(f"/api/cases/{case_id}").json()["deadlines"]
    assert {d["state"] for d in deadlines if d["rule_id"] == "D5s"} == {"breached"}
